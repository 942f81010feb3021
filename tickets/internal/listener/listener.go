// Package listener holds the tickets service's event handlers (SPEC §8):
// an order reserves its ticket and releases it. Each change goes through
// the store, so the ticket:updated it causes is recorded in the same write.
//
// Delivery is at least once, so every handler is idempotent: an event that
// was already applied changes nothing and records nothing. A handler that
// returns an error leaves the event unacked; it comes again; one that
// wraps bus.ErrDrop (an event that can never apply) is logged and acked.
package listener

import (
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// QueueGroup is the queue group and durable name of the listeners. Never
// rename it: a new name replays every channel from the start.
const QueueGroup = "tickets-service"

// Subscriptions are the service's listeners, to subscribe under QueueGroup:
// order:created and order:cancelled.
func Subscriptions(store ticket.Store, log *slog.Logger) []bus.Subscription {
	return []bus.Subscription{
		bus.On(OrderCreated(store, log)),
		bus.On(OrderCancelled(store, log)),
	}
}

// parseTicketID parses an event's ticket id. An id that is not an ObjectID
// names no ticket, now or later: the event is dropped (logged and acked).
func parseTicketID(s string) (bson.ObjectID, error) {
	id, err := bson.ObjectIDFromHex(s)
	if err != nil {
		return bson.ObjectID{}, fmt.Errorf("event names an invalid ticket id %q: %w", s, bus.ErrDrop)
	}
	return id, nil
}

func wrap(what string, id bson.ObjectID, err error) error {
	return fmt.Errorf("%s ticket %s: %w", what, id.Hex(), err)
}
