// Package mongostore keeps payments' data in MongoDB: the replica of
// orders and the payments, with the outbox of payment events.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// Orders is the replica of orders, in the collection "orders".
type Orders struct{ coll *mongo.Collection }

var _ payment.Orders = (*Orders)(nil)

// NewOrders returns the order replica of db.
func NewOrders(db *mongo.Database) *Orders { return &Orders{coll: db.Collection("orders")} }

type orderDoc struct {
	ID       bson.ObjectID      `bson:"_id"`
	Version  int64              `bson:"version"`
	UserID   string             `bson:"userId"`
	Price    float64            `bson:"price"`
	Status   events.OrderStatus `bson:"status"`
	Expires  time.Time          `bson:"expiresAt,omitempty"`
	Declines int64              `bson:"declines,omitempty"`
}

// Create implements payment.Orders.
func (s *Orders) Create(ctx context.Context, o payment.Order) error {
	_, err := s.coll.InsertOne(ctx, orderDoc{ID: o.ID, Version: o.Version, UserID: o.UserID, Price: o.Price, Status: o.Status, Expires: o.ExpiresAt})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("order %s: %w", o.ID.Hex(), payment.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert order %s: %w", o.ID.Hex(), err)
	}
	return nil
}

// Cancel implements payment.Orders.
func (s *Orders) Cancel(ctx context.Context, id bson.ObjectID, version int64) error {
	for range 3 {
		res, err := s.coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: id}, {Key: "version", Value: version - 1}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: events.StatusCancelled}, {Key: "version", Value: version}}}})
		if err != nil {
			return fmt.Errorf("cancel order %s: %w", id.Hex(), err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
		o, err := s.Get(ctx, id)
		switch {
		case errors.Is(err, payment.ErrNotFound):
			return fmt.Errorf("cancel order %s at version %d: %w", id.Hex(), version, payment.ErrBehind)
		case err != nil:
			return err
		case o.Version >= version: // applied already
			return nil
		case o.Version < version-1:
			return fmt.Errorf("cancel order %s at version %d onto %d: %w", id.Hex(), version, o.Version, payment.ErrBehind)
		}
		// At version−1 now: it arrived between the update and the read.
	}
	return fmt.Errorf("cancel order %s at version %d: %w", id.Hex(), version, payment.ErrBehind)
}

// Get implements payment.Orders.
func (s *Orders) Get(ctx context.Context, id bson.ObjectID) (payment.Order, error) {
	d, err := findOne[orderDoc](ctx, s.coll, bson.D{{Key: "_id", Value: id}}, "order "+id.Hex())
	return payment.Order{ID: d.ID, Version: d.Version, UserID: d.UserID, Price: d.Price, Status: d.Status, ExpiresAt: d.Expires, Declines: d.Declines}, err
}

// AddDecline implements payment.Orders.
func (s *Orders) AddDecline(ctx context.Context, id bson.ObjectID) error {
	_, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "declines", Value: 1}}}})
	if err != nil {
		return fmt.Errorf("count decline of order %s: %w", id.Hex(), err)
	}
	return nil
}
