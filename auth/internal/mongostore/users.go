// Package mongostore keeps the auth service's users in MongoDB (or FerretDB).
package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
)

// Collection is the name of the users collection.
const Collection = "users"

// Users is a user.Store on a MongoDB collection.
//
// Every method is one command: the connection it borrows from the driver's
// pool is back in the pool when the method returns.
type Users struct {
	coll   *mongo.Collection
	notify outbox.Notifier
}

var _ user.Store = (*Users)(nil)

type userDoc struct {
	ID           bson.ObjectID `bson:"_id"`
	Email        string        `bson:"email"` // normalised
	PasswordHash string        `bson:"passwordHash"`
	// Version counts the changes other services hear of (user:created is
	// version 0).
	Version int64            `bson:"version"`
	Banned  bool             `bson:"banned,omitempty"`
	Outbox  []outbox.Message `bson:"outbox,omitempty"`
}

func (d userDoc) user() user.User {
	return user.User{ID: d.ID.Hex(), Email: d.Email, PasswordHash: d.PasswordHash, Banned: d.Banned}
}

// NewUsers returns the store on db's users collection, after creating the
// unique index on the (normalised) email that decides concurrent sign-ups.
// A user's user:created waits in its document's outbox; notify (the relay,
// or outbox.Discard) is told of it.
func NewUsers(ctx context.Context, db *mongo.Database, notify outbox.Notifier) (*Users, error) {
	coll := db.Collection(Collection)
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "email", Value: 1}},
		Options: options.Index().SetUnique(true).SetName("email_unique"),
	})
	if err != nil {
		return nil, fmt.Errorf("create unique index on %s.email: %w", Collection, err)
	}
	return &Users{coll: coll, notify: notify}, nil
}

// Create inserts a user with its user:created event, in one write; a
// duplicate email fails on the unique index.
func (s *Users) Create(ctx context.Context, email, passwordHash string) (user.User, error) {
	d := userDoc{ID: bson.NewObjectID(), Email: email, PasswordHash: passwordHash}
	msgs, err := outbox.Messages(ctx, events.UserCreated{ID: d.ID.Hex(), Email: email, Version: d.Version})
	if err != nil {
		return user.User{}, err
	}
	d.Outbox = msgs
	if _, err := s.coll.InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return user.User{}, user.ErrEmailInUse
		}
		return user.User{}, fmt.Errorf("insert user: %w", err)
	}
	s.notify.Notify(d.ID)
	return d.user(), nil
}

// ByEmail finds the user with a normalised email.
func (s *Users) ByEmail(ctx context.Context, email string) (user.User, error) {
	var d userDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "email", Value: email}},
		options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return user.User{}, user.ErrNotFound
	}
	if err != nil {
		return user.User{}, fmt.Errorf("find user by email: %w", err)
	}
	return d.user(), nil
}

// ReplaceHash sets a new password hash if the stored one is still oldHash
// (a concurrent upgrade wins; either hash is good).
func (s *Users) ReplaceHash(ctx context.Context, id, oldHash, newHash string) error {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return fmt.Errorf("user id %q: %w", id, err)
	}
	_, err = s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: oid}, {Key: "passwordHash", Value: oldHash}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "passwordHash", Value: newHash}}}})
	if err != nil {
		return fmt.Errorf("replace password hash of user %s: %w", id, err)
	}
	return nil
}

// Ban implements user.Store: a compare-and-set on the version, re-read and
// tried again (a few times) when a concurrent change won.
func (s *Users) Ban(ctx context.Context, id string) (user.User, bool, error) {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return user.User{}, false, user.ErrNotFound
	}
	for range 5 {
		var d userDoc
		err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: oid}},
			options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}})).Decode(&d)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return user.User{}, false, user.ErrNotFound
		}
		if err != nil {
			return user.User{}, false, fmt.Errorf("find user %s: %w", id, err)
		}
		if d.Banned {
			return d.user(), false, nil
		}
		msgs, err := outbox.Messages(ctx, events.UserBanned{ID: id, Version: d.Version + 1})
		if err != nil {
			return user.User{}, false, err
		}
		res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: oid}, {Key: "version", Value: d.Version}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "banned", Value: true}, {Key: "version", Value: d.Version + 1}}}, outbox.Push(msgs...)})
		if err != nil {
			return user.User{}, false, fmt.Errorf("ban user %s: %w", id, err)
		}
		if res.ModifiedCount == 1 {
			s.notify.Notify(oid)
			d.Banned = true
			return d.user(), true, nil
		}
	}
	return user.User{}, false, fmt.Errorf("ban user %s: it kept changing", id)
}
