package listener

import (
	"context"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// OrderCancelled releases the order's ticket: it clears the ticket's
// orderId, version +1, and records ticket:updated without orderId.
//
//   - the ticket is not held by this order (a redelivery, or an order that
//     never held it): ack, nothing;
//   - unknown ticket: not acked;
//   - the ticket changed between read and write: not acked, retried on
//     redelivery.
func OrderCancelled(store ticket.Store, log *slog.Logger) bus.Handler[events.OrderCancelled] {
	return func(ctx context.Context, e events.OrderCancelled) error {
		id, ok := parseTicketID(log, e.Ticket.ID)
		if !ok {
			return nil
		}
		t, err := store.Get(ctx, id)
		if err != nil {
			return wrap("release", id, err)
		}
		if t.OrderID != e.ID {
			return nil
		}
		t.OrderID = ""
		if _, err := store.Save(ctx, t); err != nil {
			return wrap("release", id, err)
		}
		return nil
	}
}
