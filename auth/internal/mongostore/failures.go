package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/periodic"
)

// FailuresCollection is the name of the collection that counts sign-in
// attempts: one document per normalised email with recent attempts.
const FailuresCollection = "signin_failures"

// SignInFailures is a user.Attempts on a MongoDB collection, shared by
// every replica of the service. Each count is one single-document write
// on an exact _id filter (atomic, and the only filter FerretDB looks up by
// index). A TTL index removes a document once its window has passed; on a
// server without TTL indexes (FerretDB) Sweep does.
type SignInFailures struct {
	coll  *mongo.Collection
	noTTL bool
}

var _ user.Attempts = (*SignInFailures)(nil)

type failuresDoc struct {
	Email    string    `bson:"_id"` // normalised
	Count    int64     `bson:"count"`
	Start    time.Time `bson:"start"`
	ExpireAt time.Time `bson:"expireAt"` // start + window: the TTL index's field
	Next     time.Time `bson:"next"`     // zero (year 1) until a delay is set
}

// codeNotImplemented is the server error FerretDB answers for a TTL index.
const codeNotImplemented = 238

// NewSignInFailures returns the counter on db, after creating its TTL
// index where the server has them.
func NewSignInFailures(ctx context.Context, db *mongo.Database) (*SignInFailures, error) {
	coll := db.Collection(FailuresCollection)
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expireAt", Value: 1}},
		Options: options.Index().SetExpireAfterSeconds(0).SetName("expire_at_ttl"),
	})
	var se mongo.ServerError
	if errors.As(err, &se) && se.HasErrorCode(codeNotImplemented) {
		return &SignInFailures{coll: coll, noTTL: true}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create TTL index on %s.expireAt: %w", FailuresCollection, err)
	}
	return &SignInFailures{coll: coll}, nil
}

// Sweep removes the documents whose window has passed, every interval,
// until ctx is done — only on a server without TTL indexes; elsewhere it
// returns at once.
func (s *SignInFailures) Sweep(ctx context.Context, interval time.Duration, log *slog.Logger) {
	if !s.noTTL {
		return
	}
	periodic.Run(ctx, interval, func(ctx context.Context) {
		if _, err := s.DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("sweep sign-in failures", "err", err)
		}
	})
}

// DeleteExpired removes the documents whose window has passed at now, as
// a TTL index would, and returns how many it removed.
func (s *SignInFailures) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.coll.DeleteMany(ctx, bson.D{{Key: "expireAt", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("delete expired sign-in failures: %w", err)
	}
	return res.DeletedCount, nil
}

// Begin implements user.Attempts: $inc on the email's document (inserted
// by the first attempt). When the window it returns has passed, one
// compare-and-set on the window's start opens a new window; a concurrent
// attempt that lost that race counts again, in the new window.
func (s *SignInFailures) Begin(ctx context.Context, email string, now time.Time, window time.Duration) (user.Window, error) {
	now = now.UTC().Truncate(time.Millisecond) // what a BSON date holds
	for range 5 {
		var d failuresDoc
		err := s.coll.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: email}},
			bson.D{
				{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(1)}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "start", Value: now}, {Key: "expireAt", Value: now.Add(window)}, {Key: "next", Value: time.Time{}}}},
			},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
		).Decode(&d)
		if mongo.IsDuplicateKeyError(err) {
			continue // a concurrent first attempt inserted the document: count in it
		}
		if err != nil {
			return user.Window{}, fmt.Errorf("count sign-in attempt: %w", err)
		}
		if now.Before(d.Start.Add(window)) {
			return user.Window{Count: d.Count, Start: d.Start, Next: d.Next}, nil
		}
		expire := now.Add(window)
		if d.Next.After(expire) { // a delay outlives the window
			expire = d.Next
		}
		res, err := s.coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: email}, {Key: "start", Value: d.Start}},
			bson.D{{Key: "$set", Value: bson.D{
				{Key: "count", Value: int64(1)}, {Key: "start", Value: now}, {Key: "expireAt", Value: expire}, {Key: "next", Value: d.Next},
			}}},
		)
		if err != nil {
			return user.Window{}, fmt.Errorf("open sign-in window: %w", err)
		}
		if res.MatchedCount == 1 {
			return user.Window{Count: 1, Start: now, Next: d.Next}, nil
		}
	}
	return user.Window{}, errors.New("count sign-in attempt: the window kept changing")
}

// Forget implements user.Attempts. It filters on the exact _id only (the
// hot path of every successful sign-in): should the window have been
// renewed meanwhile, the new window counts one attempt fewer.
func (s *SignInFailures) Forget(ctx context.Context, email string, _ time.Time) error {
	_, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: email}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(-1)}}}},
	)
	if err != nil {
		return fmt.Errorf("uncount sign-in attempt: %w", err)
	}
	return nil
}

// Reset implements user.Attempts: the key's document goes, so its next
// attempt opens a new window with no delay.
func (s *SignInFailures) Reset(ctx context.Context, key string) error {
	if _, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}}); err != nil {
		return fmt.Errorf("reset sign-in attempts: %w", err)
	}
	return nil
}

// Delay implements user.Attempts: a compare-and-set on next. The
// document lives at least until the delay has passed.
func (s *SignInFailures) Delay(ctx context.Context, key string, prev, until time.Time) (bool, error) {
	until = until.UTC().Truncate(time.Millisecond)
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: key}, {Key: "next", Value: prev.UTC()}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "next", Value: until}}},
			{Key: "$max", Value: bson.D{{Key: "expireAt", Value: until}}}},
	)
	if err != nil {
		return false, fmt.Errorf("delay sign-in attempts: %w", err)
	}
	return res.MatchedCount == 1, nil
}
