package listener

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/order"
)

// PaymentCreated marks the paid order complete (version + 1); its ticket
// stays reserved for good. An order already complete is acked unchanged.
//
// Two cases cannot be mended by a redelivery and are acked with an error
// log for an operator: an unknown order, and an order that was cancelled
// (expired) before the payment arrived — its ticket may already be someone
// else's, so the payment needs a refund, not a completion.
func PaymentCreated(svc *order.Service, log *slog.Logger) bus.Handler[events.PaymentCreated] {
	return func(ctx context.Context, e events.PaymentCreated) error {
		id, err := bson.ObjectIDFromHex(e.OrderID)
		if err != nil {
			log.Error("payment:created with a malformed order id acked", "order_id", e.OrderID, "payment_id", e.ID)
			return nil
		}
		o, err := svc.Orders.Get(ctx, id)
		if errors.Is(err, order.ErrNotFound) {
			log.Error("payment:created for an unknown order acked", "order_id", e.OrderID, "payment_id", e.ID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("get order %s: %w", e.OrderID, err)
		}
		_, err = svc.Complete(ctx, o)
		if errors.Is(err, order.ErrCancelled) {
			log.Error("payment:created for a cancelled order acked; refund needed",
				"order_id", e.OrderID, "payment_id", e.ID, "stripe_id", e.StripeID)
			return nil
		}
		if err != nil {
			return fmt.Errorf("complete order %s: %w", e.OrderID, err)
		}
		return nil
	}
}
