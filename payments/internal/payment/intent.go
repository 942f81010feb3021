package payment

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
)

// Intent is a Stripe PaymentIntent of an order, as the browser needs it.
type Intent struct {
	ID           string
	ClientSecret string
}

// IntentRequest asks the processor for the PaymentIntent of an order.
type IntentRequest struct {
	AmountCents    int64
	Currency       string
	OrderID        string
	IdempotencyKey string
}

// Intents creates PaymentIntents: the same IdempotencyKey gives the same
// intent back. Errors as Charger's.
type Intents interface {
	Intent(ctx context.Context, r IntentRequest) (Intent, error)
}

// IntentKey is the idempotency key of an order's PaymentIntent: one
// intent per order, however often the buyer opens the pay page.
func IntentKey(orderID bson.ObjectID) string { return "intent-order-" + orderID.Hex() }

// Intent returns the PaymentIntent of the order, created on the first
// call: the order must be userID's, awaiting payment and not past its
// expiresAt. Errors: ErrNotFound, ErrNotOwner, ErrOrderCancelled,
// ErrOrderExpired, ErrAlreadyPaid, ErrProcessorDown.
func (s *Service) Intent(ctx context.Context, userID string, orderID bson.ObjectID) (Intent, error) {
	o, err := s.unpaidOrder(ctx, userID, orderID)
	if err != nil {
		return Intent{}, err
	}
	return s.Intents.Intent(ctx, IntentRequest{AmountCents: o.AmountCents(), Currency: "usd",
		OrderID: orderID.Hex(), IdempotencyKey: IntentKey(orderID)})
}

// IntentSucceeded records the payment of the order a PaymentIntent paid
// (Stripe's payment_intent.succeeded), with its payment:created, once:
// a redelivered or replayed notice finds the payment and changes nothing.
// The order may have been cancelled meanwhile: then the money goes back
// (RefundIfCancelled).
func (s *Service) IntentSucceeded(ctx context.Context, intentID, orderIDHex string) error {
	orderID, err := bson.ObjectIDFromHex(orderIDHex)
	if err != nil {
		return fmt.Errorf("payment intent %s names order %q: %w", intentID, orderIDHex, ErrNotFound)
	}
	switch p, err := s.Payments.ByOrder(ctx, orderID); {
	case err == nil && p.State == StateComplete:
		if p.StripeID != intentID {
			s.log().Error("order paid twice: refund one by hand", "order_id", orderIDHex, "payment", p.StripeID, "intent", intentID)
		}
		return nil
	case err == nil:
		return fmt.Errorf("order %s: %w", orderIDHex, ErrInProgress) // the charge path holds it: try again later
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("get payment of order %s: %w", orderIDHex, err)
	}
	p := Payment{ID: bson.NewObjectID(), OrderID: orderID, StripeID: intentID, State: StateComplete}
	err = s.Payments.Record(ctx, p, events.PaymentCreated{ID: p.ID.Hex(), OrderID: orderIDHex, StripeID: intentID})
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return fmt.Errorf("record payment of order %s: %w", orderIDHex, err)
	}
	return s.RefundIfCancelled(ctx, orderID)
}

// IntentFailed records a failed attempt of an order's PaymentIntent
// (payment_intent.payment_failed) under the notice's id: counted once,
// announced to no one. The buyer may try again with another card.
func (s *Service) IntentFailed(ctx context.Context, noticeID, intentID, orderIDHex, reason string) error {
	orderID, err := bson.ObjectIDFromHex(orderIDHex)
	if err != nil {
		return fmt.Errorf("payment intent %s names order %q: %w", intentID, orderIDHex, ErrNotFound)
	}
	first, err := s.Payments.RecordFailure(ctx, noticeID, orderID, intentID, reason)
	if err != nil {
		return fmt.Errorf("record failed payment of order %s: %w", orderIDHex, err)
	}
	if first {
		declines.WithLabelValues().Inc()
		s.log().Info("payment intent failed", "order_id", orderIDHex, "intent_id", intentID, "reason", reason)
	}
	return nil
}

// Refunded records a refund Stripe announces (charge.refunded), made here
// or by hand in Stripe's dashboard, on the payment of chargeOrIntentID,
// with its payment:refunded, once. An unknown payment is not ours: ignored.
func (s *Service) Refunded(ctx context.Context, chargeID, intentID, refundID string) error {
	p, err := s.Payments.ByStripeID(ctx, chargeID, intentID)
	if errors.Is(err, ErrNotFound) || err == nil && p.RefundID != "" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("payment of charge %s: %w", chargeID, err)
	}
	e := events.PaymentRefunded{ID: p.ID.Hex(), OrderID: p.OrderID.Hex(), StripeID: p.StripeID, RefundID: refundID}
	if err := s.Payments.Refunded(ctx, p.ID, refundID, s.now(), e); err != nil {
		return fmt.Errorf("record refund %s: %w", refundID, err)
	}
	return nil
}
