// Package payment is the payments domain: the replica of orders, the
// payment of an order, the rules of paying, and the ports to the store and
// to the card processor.
package payment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
)

// Order is the replica of an order, kept from order:created and
// order:cancelled.
type Order struct {
	ID      bson.ObjectID
	Version int64
	UserID  string
	Price   float64 // dollars
	Status  events.OrderStatus
	// ExpiresAt is when the order stops holding its ticket; a payment after
	// it is refused (zero: unknown, for replicas older than the field).
	ExpiresAt time.Time
	// Declines counts the card declines of this order's payment attempts;
	// it makes each attempt after a decline use a new idempotency key.
	Declines int64
}

// AmountCents is the order's price in cents, rounded to the nearest cent:
// 19.99 is 1999, not 1998.
func (o Order) AmountCents() int64 { return int64(math.Round(o.Price * 100)) }

// IdempotencyKey is the Stripe idempotency key of the order's current
// attempt: every request for this order charges under the same key, so
// retries and concurrent requests charge once. Stripe replays a declined
// charge under its key, so each attempt after a decline gets a key of its own.
func (o Order) IdempotencyKey() string {
	if o.Declines == 0 {
		return "charge-order-" + o.ID.Hex()
	}
	return fmt.Sprintf("charge-order-%s-%d", o.ID.Hex(), o.Declines)
}

// State is the state of a payment document.
type State string

const (
	// StatePending: a request holds the claim and is charging the card.
	StatePending State = "pending"
	// StateComplete: the order is charged and the payment recorded.
	StateComplete State = "complete"
)

// Payment is the payment of one order. There is at most one per order.
type Payment struct {
	ID         bson.ObjectID
	OrderID    bson.ObjectID
	StripeID   string
	State      State
	ClaimedAt  time.Time // when the pending claim was taken
	RefundID   string    // the refund of the charge, once the order turned out cancelled
	RefundedAt time.Time // when the refund was recorded
}

// RefundKey is the Stripe idempotency key of the refund of an order's
// charge: however many times it is asked for, the charge is refunded once.
func RefundKey(orderID bson.ObjectID) string { return "refund-order-" + orderID.Hex() }

// Charge is one request to charge a card.
type Charge struct {
	AmountCents    int64
	Currency       string
	Source         string // the card token
	IdempotencyKey string
	OrderID        string
}

// Errors of the domain.
var (
	ErrNotFound       = errors.New("not found")
	ErrDuplicate      = errors.New("already exists")
	ErrBehind         = errors.New("replica is behind the event")
	ErrNotOwner       = errors.New("order belongs to another user")
	ErrOrderCancelled = errors.New("order is cancelled")
	ErrOrderExpired   = errors.New("order has expired")
	ErrAlreadyPaid    = errors.New("order is already paid")
	ErrInProgress     = errors.New("payment already in progress")
	ErrClaimLost      = errors.New("payment claim lost")
	ErrProcessorDown  = errors.New("card processor unavailable")
)

// DeclinedError is a card declined by the processor; Message is the
// processor's explanation, shown to the buyer.
type DeclinedError struct{ Message string }

func (e *DeclinedError) Error() string { return "card declined: " + e.Message }

// RejectedError is a charge request the processor refused as invalid (for
// example an unknown token); Message is the processor's explanation.
type RejectedError struct{ Message string }

func (e *RejectedError) Error() string { return "charge rejected: " + e.Message }

// Charger charges cards. Charge returns the processor's charge id, a
// *DeclinedError, a *RejectedError, or an error wrapping ErrProcessorDown.
type Charger interface {
	Charge(ctx context.Context, c Charge) (chargeID string, err error)
	// Refund refunds a charge in full under the idempotency key and
	// returns the refund's id, or an error wrapping ErrProcessorDown.
	Refund(ctx context.Context, chargeID, idempotencyKey string) (refundID string, err error)
}

// Orders is the store of the order replica.
type Orders interface {
	// Create inserts the replica of a new order; ErrDuplicate if it exists.
	Create(ctx context.Context, o Order) error
	// Cancel marks order id cancelled at version, if the replica is at
	// version-1. It returns ErrBehind when the replica is missing or older,
	// and nil when it is already at or past version.
	Cancel(ctx context.Context, id bson.ObjectID, version int64) error
	// Get returns the order; ErrNotFound if unknown.
	Get(ctx context.Context, id bson.ObjectID) (Order, error)
	// AddDecline counts a card decline of the order's payment.
	AddDecline(ctx context.Context, id bson.ObjectID) error
}

// Payments is the store of payments.
type Payments interface {
	// ByOrder returns the payment of an order; ErrNotFound if none.
	ByOrder(ctx context.Context, orderID bson.ObjectID) (Payment, error)
	// Claim inserts a pending payment for the order, taken at p.ClaimedAt;
	// ErrDuplicate when the order already has a payment document.
	Claim(ctx context.Context, p Payment) error
	// TakeOver moves a pending claim whose claim time is still stale to
	// now; ErrClaimLost when the document changed meanwhile.
	TakeOver(ctx context.Context, id bson.ObjectID, stale, now time.Time) error
	// Release deletes a pending claim taken at claimedAt.
	Release(ctx context.Context, id bson.ObjectID, claimedAt time.Time) error
	// Complete records the charge of a pending payment together with its
	// payment:created event, in one write. Completing a payment that is
	// already complete is a no-op.
	Complete(ctx context.Context, id bson.ObjectID, stripeID string, e events.PaymentCreated) error
	// Refunded records the refund of a complete payment together with its
	// payment:refunded event, at time at, in one write; recording it again
	// is a no-op.
	Refunded(ctx context.Context, id bson.ObjectID, refundID string, at time.Time, e events.PaymentRefunded) error
	// Record inserts a complete payment (one a PaymentIntent made) with its
	// payment:created, in one write; ErrDuplicate when the order already
	// has a payment document.
	Record(ctx context.Context, p Payment, e events.PaymentCreated) error
	// ByStripeID returns the payment whose processor id is chargeID or
	// intentID; ErrNotFound if none.
	ByStripeID(ctx context.Context, chargeID, intentID string) (Payment, error)
	// RecordFailure records a failed payment attempt under noticeID and
	// reports whether it was the first record of that notice.
	RecordFailure(ctx context.Context, noticeID string, orderID bson.ObjectID, intentID, reason string) (first bool, err error)
}
