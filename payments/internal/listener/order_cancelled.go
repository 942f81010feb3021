package listener

import (
	"context"
	"errors"
	"fmt"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// OrderCancelled marks the replica cancelled, in version order: applied
// when the replica is at version−1; not acked while the replica is behind
// (the event comes again, after the ones it waits for); acked and ignored
// when the replica is already at or past it. An order that was paid
// meanwhile gets its charge refunded (not acked while its payment is still
// being made, nor while Stripe is unreachable). A refund Stripe refuses
// (say, the charge was refunded by hand) is dropped: logged, acked.
func OrderCancelled(svc *payment.Service) bus.Handler[events.OrderCancelled] {
	return func(ctx context.Context, e events.OrderCancelled) error {
		id, err := orderID(e.Subject(), e.ID)
		if err != nil {
			return err
		}
		if err := svc.Orders.Cancel(ctx, id, e.Version); err != nil {
			return err
		}
		// Applied now or before: the replica reads cancelled, which is
		// final (order:cancelled is an order's last event).
		err = svc.RefundCancelled(ctx, id)
		if _, rejected := errors.AsType[*payment.RejectedError](err); rejected {
			return fmt.Errorf("order:cancelled of order %s: %w: %w", e.ID, err, bus.ErrDrop)
		}
		return err
	}
}
