// Package listener holds the tickets service's event handlers (SPEC §8):
// an order reserves its ticket and releases it. Each change goes through
// the store, so the ticket:updated it causes is recorded in the same write.
//
// Delivery is at least once, so every handler is idempotent: an event that
// was already applied changes nothing and records nothing. A handler that
// returns an error leaves the event unacked; it comes again.
package listener

import (
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// QueueGroup is the queue group and durable name of the listeners.
const QueueGroup = "tickets-service"

// parseTicketID parses an event's ticket id. An id that is not an ObjectID
// names no ticket, now or later: the event is logged and acked.
func parseTicketID(log *slog.Logger, s string) (bson.ObjectID, bool) {
	id, err := bson.ObjectIDFromHex(s)
	if err != nil {
		log.Error("event names an invalid ticket id; acked and ignored", "ticket_id", s)
		return bson.ObjectID{}, false
	}
	return id, true
}

func wrap(what string, id bson.ObjectID, err error) error {
	return fmt.Errorf("%s ticket %s: %w", what, id.Hex(), err)
}
