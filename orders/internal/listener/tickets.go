// Package listener keeps the orders service in step with the events of the
// other services. Each handler is idempotent: NATS Streaming delivers at
// least once and possibly out of order. A handler returns an error only
// when the event must come again (it is then not acked).
package listener

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// QueueGroup is the queue group and durable name of every listener of the
// service. Never rename it: a new name replays every channel from the start.
const QueueGroup = "orders-service"

// TicketCreated inserts the replica of a new ticket, with the event's id
// and version. A redelivery finds it there and is acked; a malformed id is
// dropped (bus.ErrDrop).
func TicketCreated(tickets ticket.Store, log *slog.Logger) bus.Handler[events.TicketCreated] {
	return func(ctx context.Context, e events.TicketCreated) error {
		id, err := bson.ObjectIDFromHex(e.ID)
		if err != nil {
			return fmt.Errorf("ticket id %q: %w", e.ID, bus.ErrDrop)
		}
		err = tickets.Create(ctx, ticket.Ticket{ID: id, Title: e.Title, Price: e.Price, Version: e.Version})
		if errors.Is(err, ticket.ErrExists) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("create ticket %s: %w", e.ID, err)
		}
		return nil
	}
}

// errBehind leaves an event unacked until the versions before it are in.
var errBehind = errors.New("replica is behind the event")

// TicketUpdated applies a ticket's new title, price and version to its
// replica, only at version − 1. When the replica is behind (or missing) the
// event is not acked, so it comes again once the events before it are
// applied; when the replica is already at or past the event it is acked and
// ignored. A malformed id is dropped (bus.ErrDrop).
func TicketUpdated(tickets ticket.Store, log *slog.Logger) bus.Handler[events.TicketUpdated] {
	return func(ctx context.Context, e events.TicketUpdated) error {
		id, err := bson.ObjectIDFromHex(e.ID)
		if err != nil {
			return fmt.Errorf("ticket id %q: %w", e.ID, bus.ErrDrop)
		}
		err = tickets.Update(ctx, ticket.Ticket{ID: id, Title: e.Title, Price: e.Price, Version: e.Version})
		if !errors.Is(err, ticket.ErrVersion) {
			if err != nil {
				return fmt.Errorf("update ticket %s: %w", e.ID, err)
			}
			return nil
		}
		cur, err := tickets.Get(ctx, id)
		switch {
		case errors.Is(err, ticket.ErrNotFound):
			return fmt.Errorf("ticket %s v%d: %w: no replica yet", e.ID, e.Version, errBehind)
		case err != nil:
			return fmt.Errorf("get ticket %s: %w", e.ID, err)
		case cur.Version >= e.Version:
			return nil // already applied: a redelivery
		}
		// Behind, or changed under us: either way, the event must come again.
		return fmt.Errorf("ticket %s v%d: %w at v%d", e.ID, e.Version, errBehind, cur.Version)
	}
}
