package listener

import (
	"context"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// OrderCancelled releases the order's ticket: it clears the ticket's
// orderId and remembers the order as cancelled, version +1, and records
// ticket:updated without orderId.
//
//   - the order was cancelled on the ticket already (a redelivery): ack,
//     nothing;
//   - the ticket is not held by this order (its order:created has not been
//     applied yet, or never will be): the order is remembered as cancelled,
//     version +1, ticket:updated with the ticket unchanged otherwise, so
//     that its order:created, when it comes, is acked and ignored;
//   - unknown ticket: not acked;
//   - the ticket changed between read and write: not acked, retried on
//     redelivery.
func OrderCancelled(store ticket.Store, log *slog.Logger) bus.Handler[events.OrderCancelled] {
	return func(ctx context.Context, e events.OrderCancelled) error {
		id, err := parseTicketID(e.Ticket.ID)
		if err != nil {
			return err
		}
		t, err := store.Get(ctx, id)
		if err != nil {
			return wrap("release", id, err)
		}
		if !t.Cancel(e.ID) {
			return nil
		}
		if _, err := store.Save(ctx, t); err != nil {
			return wrap("release", id, err)
		}
		return nil
	}
}
