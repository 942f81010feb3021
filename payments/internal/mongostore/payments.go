package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// Payments is the store of payments, in the collection "payments", one
// document per order (a unique index on orderId). A document carries its
// pending payment:created and payment:refunded events in its outbox; the
// notifier is told after every write that added one.
type Payments struct {
	coll   *mongo.Collection
	notify outbox.Notifier
}

var _ payment.Payments = (*Payments)(nil)

// PaymentsCollection holds the payments and their outbox.
const PaymentsCollection = "payments"

// NewPayments returns the payments of db, creating the unique index on
// orderId. n (the outbox relay, or outbox.Discard) is told about every
// write's events.
func NewPayments(ctx context.Context, db *mongo.Database, n outbox.Notifier) (*Payments, error) {
	coll := db.Collection(PaymentsCollection)
	_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "orderId", Value: 1}},
		Options: options.Index().SetName("orderId_unique").SetUnique(true),
	})
	if err != nil {
		return nil, fmt.Errorf("create payments index: %w", err)
	}
	return &Payments{coll: coll, notify: n}, nil
}

type paymentDoc struct {
	ID         bson.ObjectID `bson:"_id"`
	OrderID    bson.ObjectID `bson:"orderId"`
	StripeID   string        `bson:"stripeId,omitempty"`
	State      payment.State `bson:"state"`
	ClaimedAt  time.Time     `bson:"claimedAt,omitempty"`
	RefundID   string        `bson:"refundId,omitempty"`
	RefundedAt time.Time     `bson:"refundedAt,omitempty"`
}

// ByOrder implements payment.Payments.
func (s *Payments) ByOrder(ctx context.Context, orderID bson.ObjectID) (payment.Payment, error) {
	d, err := findOne[paymentDoc](ctx, s.coll, bson.D{{Key: "orderId", Value: orderID}}, "payment of order "+orderID.Hex())
	return payment.Payment{ID: d.ID, OrderID: d.OrderID, StripeID: d.StripeID, State: d.State, ClaimedAt: d.ClaimedAt,
		RefundID: d.RefundID, RefundedAt: d.RefundedAt}, err
}

// Claim implements payment.Payments.
func (s *Payments) Claim(ctx context.Context, p payment.Payment) error {
	_, err := s.coll.InsertOne(ctx, paymentDoc{ID: p.ID, OrderID: p.OrderID, State: payment.StatePending, ClaimedAt: p.ClaimedAt})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("payment of order %s: %w", p.OrderID.Hex(), payment.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert payment of order %s: %w", p.OrderID.Hex(), err)
	}
	return nil
}

// TakeOver implements payment.Payments: a compare-and-set on claimedAt.
func (s *Payments) TakeOver(ctx context.Context, id bson.ObjectID, stale, now time.Time) error {
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: payment.StatePending}, {Key: "claimedAt", Value: stale}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claimedAt", Value: now}}}})
	if err != nil {
		return fmt.Errorf("take over payment %s: %w", id.Hex(), err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("payment %s: %w", id.Hex(), payment.ErrClaimLost)
	}
	return nil
}

// Release implements payment.Payments.
func (s *Payments) Release(ctx context.Context, id bson.ObjectID, claimedAt time.Time) error {
	_, err := s.coll.DeleteOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: payment.StatePending}, {Key: "claimedAt", Value: claimedAt}})
	if err != nil {
		return fmt.Errorf("release payment %s: %w", id.Hex(), err)
	}
	return nil
}

// Complete implements payment.Payments: the charge and its event in one
// single-document write.
func (s *Payments) Complete(ctx context.Context, id bson.ObjectID, stripeID string, e events.PaymentCreated) error {
	msgs, err := outbox.Messages(ctx, e)
	if err != nil {
		return err
	}
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: payment.StatePending}},
		bson.D{
			{Key: "$set", Value: bson.D{{Key: "state", Value: payment.StateComplete}, {Key: "stripeId", Value: stripeID}}},
			{Key: "$unset", Value: bson.D{{Key: "claimedAt", Value: ""}}},
			outbox.Push(msgs...),
		})
	if err != nil {
		return fmt.Errorf("complete payment %s: %w", id.Hex(), err)
	}
	if res.MatchedCount == 0 {
		// Another holder of the claim completed it with the same charge
		// (same idempotency key), or it is gone.
		_, err := findOne[paymentDoc](ctx, s.coll, bson.D{{Key: "_id", Value: id}}, "payment "+id.Hex())
		return err
	}
	s.notify.Notify(id)
	return nil
}

// Refunded implements payment.Payments: the refund and its event in one
// single-document write, made once (the filter wants no refund yet).
func (s *Payments) Refunded(ctx context.Context, id bson.ObjectID, refundID string, at time.Time, e events.PaymentRefunded) error {
	msgs, err := outbox.Messages(ctx, e)
	if err != nil {
		return err
	}
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: payment.StateComplete}, {Key: "refundId", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "refundId", Value: refundID}, {Key: "refundedAt", Value: at}}}, outbox.Push(msgs...)})
	if err != nil {
		return fmt.Errorf("record refund of payment %s: %w", id.Hex(), err)
	}
	if res.MatchedCount == 1 {
		s.notify.Notify(id)
	}
	return nil
}

// Record implements payment.Payments.
func (s *Payments) Record(ctx context.Context, p payment.Payment, e events.PaymentCreated) error {
	msgs, err := outbox.Messages(ctx, e)
	if err != nil {
		return err
	}
	_, err = s.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: p.ID}, {Key: "orderId", Value: p.OrderID},
		{Key: "stripeId", Value: p.StripeID}, {Key: "state", Value: payment.StateComplete}, {Key: outbox.Field, Value: msgs}})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("payment of order %s: %w", p.OrderID.Hex(), payment.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert payment of order %s: %w", p.OrderID.Hex(), err)
	}
	s.notify.Notify(p.ID)
	return nil
}

// ByStripeID implements payment.Payments.
func (s *Payments) ByStripeID(ctx context.Context, chargeID, intentID string) (payment.Payment, error) {
	ids := bson.A{}
	for _, id := range []string{chargeID, intentID} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	d, err := findOne[paymentDoc](ctx, s.coll, bson.D{{Key: "stripeId", Value: bson.D{{Key: "$in", Value: ids}}}}, "payment of charge "+chargeID)
	return payment.Payment{ID: d.ID, OrderID: d.OrderID, StripeID: d.StripeID, State: d.State, ClaimedAt: d.ClaimedAt,
		RefundID: d.RefundID, RefundedAt: d.RefundedAt}, err
}

// FailuresCollection keeps the failed payment attempts, one per notice.
const FailuresCollection = "payment_failures"

// RecordFailure implements payment.Payments.
func (s *Payments) RecordFailure(ctx context.Context, noticeID string, orderID bson.ObjectID, intentID, reason string) (bool, error) {
	_, err := s.coll.Database().Collection(FailuresCollection).InsertOne(ctx, bson.D{{Key: "_id", Value: noticeID},
		{Key: "orderId", Value: orderID}, {Key: "intentId", Value: intentID}, {Key: "reason", Value: reason},
		{Key: "at", Value: time.Now().UTC()}})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert payment failure %s: %w", noticeID, err)
	}
	return true, nil
}

// findOne decodes the document of coll that matches filter, without its
// outbox. None is payment.ErrNotFound, wrapped with what was looked for.
func findOne[D any](ctx context.Context, coll *mongo.Collection, filter bson.D, what string) (D, error) {
	return mongodb.FindOne[D](ctx, coll, filter, what, fmt.Errorf("%s: %w", what, payment.ErrNotFound),
		options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
}
