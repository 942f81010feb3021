package payment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// ClaimTimeout is how long a pending claim keeps other requests from
// charging the order. It is well above the longest charge request, so an
// older claim belongs to a request that died, and may be taken over.
const ClaimTimeout = 60 * time.Second

// Service carries out the payment of an order.
type Service struct {
	Orders   Orders
	Payments Payments
	Charger  Charger
	Intents  Intents // the PaymentIntents of the intent path (SPEC §11)
	Log      *slog.Logger
	Now      func() time.Time // default time.Now
}

// Pay charges the order for userID with the card token and records the
// payment with its payment:created event. At most one request charges an
// order: the others get ErrInProgress or ErrAlreadyPaid.
//
// Errors: ErrNotFound, ErrNotOwner, ErrOrderCancelled, ErrAlreadyPaid,
// declines counts the cards the processor declined.
var declines = telemetry.For("payments").Counter("payments_declined_total", "Card payments the processor declined.")

// ErrInProgress, *DeclinedError, *RejectedError, ErrProcessorDown.
func (s *Service) Pay(ctx context.Context, userID string, orderID bson.ObjectID, token string) (Payment, error) {
	o, err := s.unpaidOrder(ctx, userID, orderID)
	if err != nil {
		return Payment{}, err
	}
	p, err := s.claim(ctx, orderID)
	if err != nil {
		return Payment{}, err
	}
	// From here on, this request alone may charge the order. A client that
	// hangs up must not abandon a charge in flight.
	ctx = context.WithoutCancel(ctx)
	// Read again under the claim: the order may have been cancelled, or a
	// decline counted, since the first read.
	if o, err = s.Orders.Get(ctx, orderID); err == nil {
		err = s.payable(o, userID)
	}
	if err != nil {
		s.release(ctx, p)
		return Payment{}, err
	}

	chargeID, err := s.Charger.Charge(ctx, Charge{
		AmountCents:    o.AmountCents(),
		Currency:       "usd",
		Source:         token,
		IdempotencyKey: o.IdempotencyKey(),
		OrderID:        orderID.Hex(),
	})
	if err != nil {
		if _, declined := errors.AsType[*DeclinedError](err); declined {
			declines.WithLabelValues().Inc()
			// Counted before the claim goes, so the next attempt uses a new key.
			if err := s.Orders.AddDecline(ctx, orderID); err != nil {
				s.log().Error("count card decline", "order_id", orderID.Hex(), "err", err)
			}
		}
		s.release(ctx, p)
		return Payment{}, err
	}

	created := events.PaymentCreated{ID: p.ID.Hex(), OrderID: orderID.Hex(), StripeID: chargeID}
	if err := s.Payments.Complete(ctx, p.ID, chargeID, created); err != nil {
		// The claim stays; a retry takes it over after ClaimTimeout and,
		// under the same idempotency key, gets this same charge back.
		return Payment{}, fmt.Errorf("record charge %s of order %s: %w", chargeID, orderID.Hex(), err)
	}
	p.StripeID, p.State = chargeID, StateComplete
	// The order may have been cancelled while the card was charged; its
	// order:cancelled then found the payment still pending. Refund now
	// (that listener also retries until the payment is settled).
	if err := s.RefundIfCancelled(ctx, orderID); err != nil {
		s.log().Error("refund of a payment for a cancelled order", "order_id", orderID.Hex(), "err", err)
	}
	return p, nil
}

// ErrPaymentPending is returned by RefundIfCancelled while a request is
// still charging the order: whether to refund is known once it settles.
var ErrPaymentPending = errors.New("payment of the order still in progress")

// RefundIfCancelled refunds the charge of the order if the order is
// cancelled (or expired) and was paid: a buyer who paid while the order's
// cancellation was on the way gets the money back, once. The refund is
// recorded with its payment:refunded event. It returns ErrPaymentPending
// while the payment is being made.
func (s *Service) RefundIfCancelled(ctx context.Context, orderID bson.ObjectID) error {
	o, err := s.Orders.Get(ctx, orderID)
	if err != nil || o.Status != events.StatusCancelled {
		return err
	}
	return s.RefundCancelled(ctx, orderID)
}

// RefundCancelled is RefundIfCancelled for an order known to be cancelled
// (its replica has applied order:cancelled), without reading the order.
func (s *Service) RefundCancelled(ctx context.Context, orderID bson.ObjectID) error {
	p, err := s.Payments.ByOrder(ctx, orderID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil // never paid
	case err != nil:
		return fmt.Errorf("get payment of order %s: %w", orderID.Hex(), err)
	case p.State == StatePending:
		return fmt.Errorf("order %s: %w", orderID.Hex(), ErrPaymentPending)
	case p.RefundID != "":
		return nil // refunded already
	}
	refundID, err := s.Charger.Refund(ctx, p.StripeID, RefundKey(orderID))
	if err != nil {
		return fmt.Errorf("refund charge %s of order %s: %w", p.StripeID, orderID.Hex(), err)
	}
	e := events.PaymentRefunded{ID: p.ID.Hex(), OrderID: orderID.Hex(), StripeID: p.StripeID, RefundID: refundID}
	if err := s.Payments.Refunded(ctx, p.ID, refundID, s.now(), e); err != nil {
		return fmt.Errorf("record refund %s of order %s: %w", refundID, orderID.Hex(), err)
	}
	s.log().Warn("refunded the payment of a cancelled order", "order_id", orderID.Hex(), "charge_id", p.StripeID, "refund_id", refundID)
	return nil
}

// unpaidOrder returns the order userID may pay now: theirs, not cancelled,
// not past expiresAt, not paid yet.
func (s *Service) unpaidOrder(ctx context.Context, userID string, orderID bson.ObjectID) (Order, error) {
	o, err := s.Orders.Get(ctx, orderID)
	if err != nil {
		return Order{}, fmt.Errorf("get order %s: %w", orderID.Hex(), err)
	}
	if err := s.payable(o, userID); err != nil {
		return Order{}, err
	}
	switch p, err := s.Payments.ByOrder(ctx, orderID); {
	case err == nil && p.State == StateComplete:
		return Order{}, ErrAlreadyPaid
	case err != nil && !errors.Is(err, ErrNotFound):
		return Order{}, fmt.Errorf("get payment of order %s: %w", orderID.Hex(), err)
	}
	return o, nil
}

func (s *Service) payable(o Order, userID string) error {
	switch {
	case o.UserID != userID:
		return ErrNotOwner
	case o.Status == events.StatusCancelled:
		return ErrOrderCancelled
	case !o.ExpiresAt.IsZero() && !s.now().Before(o.ExpiresAt):
		return ErrOrderExpired
	}
	return nil
}

// claim makes this request the only one to charge the order: it inserts
// the order's pending payment (the unique index on orderId lets one insert
// win), or takes over a claim left by a request that died.
func (s *Service) claim(ctx context.Context, orderID bson.ObjectID) (Payment, error) {
	now := s.now()
	p := Payment{ID: bson.NewObjectID(), OrderID: orderID, State: StatePending, ClaimedAt: now}
	err := s.Payments.Claim(ctx, p)
	if err == nil {
		return p, nil
	}
	if !errors.Is(err, ErrDuplicate) {
		return Payment{}, fmt.Errorf("claim payment of order %s: %w", orderID.Hex(), err)
	}
	held, err := s.Payments.ByOrder(ctx, orderID)
	switch {
	case errors.Is(err, ErrNotFound): // released a moment ago
		return Payment{}, ErrInProgress
	case err != nil:
		return Payment{}, fmt.Errorf("get payment of order %s: %w", orderID.Hex(), err)
	case held.State == StateComplete:
		return Payment{}, ErrAlreadyPaid
	case now.Sub(held.ClaimedAt) < ClaimTimeout:
		return Payment{}, ErrInProgress
	}
	err = s.Payments.TakeOver(ctx, held.ID, held.ClaimedAt, now)
	if errors.Is(err, ErrClaimLost) {
		return Payment{}, ErrInProgress
	}
	if err != nil {
		return Payment{}, fmt.Errorf("take over stale payment claim of order %s: %w", orderID.Hex(), err)
	}
	s.log().Warn("took over a stale payment claim", "order_id", orderID.Hex(), "payment_id", held.ID.Hex(), "claimed_at", held.ClaimedAt)
	held.ClaimedAt = now
	return held, nil
}

// release gives up the claim after a charge that did not happen.
func (s *Service) release(ctx context.Context, p Payment) {
	if err := s.Payments.Release(ctx, p.ID, p.ClaimedAt); err != nil {
		// The claim goes stale and is taken over after ClaimTimeout.
		s.log().Error("release payment claim", "order_id", p.OrderID.Hex(), "payment_id", p.ID.Hex(), "err", err)
	}
}

func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// Stored with millisecond precision; compared with what is stored.
	return now().UTC().Truncate(time.Millisecond)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
