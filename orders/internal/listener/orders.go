package listener

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bans"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/order"
)

// ExpirationComplete cancels an order whose payment window has passed, if
// it is still created or awaiting payment, which publishes order:cancelled
// and frees its ticket. A complete or already cancelled order is left as it
// is, and the event acked.
//
// An unknown order, or a malformed id, is dropped (bus.ErrDrop: logged and
// acked): an order is written before its order:created leaves, so
// expiration can only name an order that exists; one that does not will
// not appear by waiting.
func ExpirationComplete(svc *order.Service, log *slog.Logger) bus.Handler[events.ExpirationComplete] {
	return func(ctx context.Context, e events.ExpirationComplete) error {
		id, err := bson.ObjectIDFromHex(e.OrderID)
		if err != nil {
			return fmt.Errorf("order id %q: %w", e.OrderID, bus.ErrDrop)
		}
		o, err := svc.Orders.Get(ctx, id)
		if errors.Is(err, order.ErrNotFound) {
			return fmt.Errorf("order %s: %w: %w", e.OrderID, err, bus.ErrDrop)
		}
		if err != nil {
			return fmt.Errorf("get order %s: %w", e.OrderID, err)
		}
		if o.Status != events.StatusCreated && o.Status != events.StatusAwaitingPayment {
			return nil
		}
		_, err = svc.Expire(ctx, o)
		if errors.Is(err, order.ErrCompleted) {
			return nil // paid in the meantime
		}
		if err != nil {
			return fmt.Errorf("expire order %s: %w", e.OrderID, err)
		}
		return nil
	}
}

// PaymentCreated marks the paid order complete (version + 1); its ticket
// stays reserved for good. An order already complete is acked unchanged.
//
// An unknown order, or a malformed id, cannot be mended by a redelivery and
// is dropped (bus.ErrDrop: logged and acked).
//
// An order that was cancelled (or expired) before its payment arrived stays
// cancelled — its ticket may already be someone else's — and the event is
// acked with a warning, publishing nothing: the payments service refunds
// such a payment itself (it hears the order:cancelled that this service
// published); orders has no part in the refund.
// PaidAfterCancelLog is the message logged when a payment arrives for an
// order that is already cancelled.
const PaidAfterCancelLog = "payment for a cancelled order: order left cancelled, nothing published; payments refunds the charge"

func PaymentCreated(svc *order.Service, log *slog.Logger) bus.Handler[events.PaymentCreated] {
	return func(ctx context.Context, e events.PaymentCreated) error {
		id, err := bson.ObjectIDFromHex(e.OrderID)
		if err != nil {
			return fmt.Errorf("payment %s: order id %q: %w", e.ID, e.OrderID, bus.ErrDrop)
		}
		o, err := svc.Orders.Get(ctx, id)
		if errors.Is(err, order.ErrNotFound) {
			return fmt.Errorf("payment %s: order %s: %w: %w", e.ID, e.OrderID, err, bus.ErrDrop)
		}
		if err != nil {
			return fmt.Errorf("get order %s: %w", e.OrderID, err)
		}
		_, err = svc.Complete(ctx, o)
		if errors.Is(err, order.ErrCancelled) {
			log.Warn(PaidAfterCancelLog, "order_id", e.OrderID, "payment_id", e.ID, "stripe_id", e.StripeID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("complete order %s: %w", e.OrderID, err)
		}
		return nil
	}
}

// UserBanned records the ban (banned, so that the user's tokens stop
// working on every replica) and cancels the user's open orders: their
// order:cancelled frees the tickets. Redelivered until every cancel is
// written; each step is idempotent.
func UserBanned(banned *bans.Set, svc *order.Service, log *slog.Logger) bus.Handler[events.UserBanned] {
	return func(ctx context.Context, e events.UserBanned) error {
		if err := banned.Record(ctx, e); err != nil {
			return err
		}
		orders, err := svc.Orders.ListByUser(ctx, e.ID)
		if err != nil {
			return fmt.Errorf("orders of banned user %s: %w", e.ID, err)
		}
		for _, o := range orders {
			if o.Status != events.StatusCreated && o.Status != events.StatusAwaitingPayment {
				continue
			}
			if _, err := svc.Cancel(ctx, o); err != nil && !errors.Is(err, order.ErrCompleted) {
				return fmt.Errorf("cancel order %s of banned user %s: %w", o.ID.Hex(), e.ID, err)
			}
			log.InfoContext(ctx, "order of a banned user cancelled", "order_id", o.ID.Hex(), "user_id", e.ID)
		}
		return nil
	}
}
