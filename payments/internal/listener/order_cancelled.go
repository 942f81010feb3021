package listener

import (
	"context"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// OrderCancelled marks the replica cancelled, in version order: applied
// when the replica is at version−1; not acked while the replica is behind
// (the event comes again, after the ones it waits for); acked and ignored
// when the replica is already at or past it.
func OrderCancelled(orders payment.Orders, log *slog.Logger) bus.Handler[events.OrderCancelled] {
	return func(ctx context.Context, e events.OrderCancelled) error {
		id, err := bson.ObjectIDFromHex(e.ID)
		if err != nil {
			log.Error("order:cancelled with a bad id acked", "order_id", e.ID)
			return nil
		}
		return orders.Cancel(ctx, id, e.Version)
	}
}
