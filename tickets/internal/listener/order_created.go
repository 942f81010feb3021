package listener

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// OrderCreated reserves the order's ticket: it sets the ticket's orderId,
// version +1, and records ticket:updated with that orderId.
//
//   - ticket already reserved by this order (a redelivery), or the order
//     already cancelled (its order:cancelled came first): ack, nothing;
//   - ticket reserved by another order: not acked. Orders lets one order
//     hold a ticket at a time, so the other order was cancelled before
//     this one was placed, and its order:cancelled is on its way (events
//     of two channels, or redeliveries, arrive in any order); once it is
//     applied, a redelivery reserves the ticket;
//   - unknown ticket: not acked (the event may be early); it comes again;
//   - the ticket changed between read and write: not acked, retried on
//     redelivery against the fresh ticket.
func OrderCreated(store ticket.Store, log *slog.Logger) bus.Handler[events.OrderCreated] {
	return func(ctx context.Context, e events.OrderCreated) error {
		id, err := parseTicketID(e.Ticket.ID)
		if err != nil {
			return err
		}
		t, err := store.Get(ctx, id)
		if err != nil {
			return wrap("reserve", id, err)
		}
		holder := t.OrderID
		changed, err := t.Reserve(e.ID)
		if err != nil {
			return fmt.Errorf("reserve ticket %s for order %s, held by order %s until its order:cancelled: %w", id.Hex(), e.ID, holder, err)
		}
		if !changed {
			return nil
		}
		if _, err := store.Save(ctx, t); err != nil {
			return wrap("reserve", id, err)
		}
		return nil
	}
}
