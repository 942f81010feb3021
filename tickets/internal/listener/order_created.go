package listener

import (
	"context"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// OrderCreated reserves the order's ticket: it sets the ticket's orderId,
// version +1, and records ticket:updated with that orderId.
//
//   - ticket already reserved by this order (a redelivery): ack, nothing;
//   - ticket reserved by another order: logged and acked (orders reserves
//     atomically, so this should not happen; the first order keeps it);
//   - unknown ticket: not acked (the event may be early); it comes again;
//   - the ticket changed between read and write: not acked, retried on
//     redelivery against the fresh ticket.
func OrderCreated(store ticket.Store, log *slog.Logger) bus.Handler[events.OrderCreated] {
	return func(ctx context.Context, e events.OrderCreated) error {
		id, ok := parseTicketID(log, e.Ticket.ID)
		if !ok {
			return nil
		}
		t, err := store.Get(ctx, id)
		if err != nil {
			return wrap("reserve", id, err)
		}
		switch t.OrderID {
		case e.ID:
			return nil
		case "":
		default:
			log.Error("order:created for a ticket reserved by another order; acked and ignored",
				"ticket_id", id.Hex(), "order_id", e.ID, "reserved_by", t.OrderID)
			return nil
		}
		t.OrderID = e.ID
		if _, err := store.Save(ctx, t); err != nil {
			return wrap("reserve", id, err)
		}
		return nil
	}
}
