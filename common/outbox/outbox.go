// Package outbox makes a change to a document and the events that announce
// it inseparable (SPEC §8), without multi-document transactions: the events
// wait in an array field of the changed document itself, written by the same
// single-document write, and a Relay publishes them from there.
//
// A document's events are published in the order they were written, and
// each is removed only after the broker acked it. Delivery is at least once:
// a crash after the ack and before the removal publishes the event again.
package outbox

import (
	"crypto/rand"
	"encoding/hex"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
)

// Field is the name of the array field that holds a document's pending events.
const Field = "outbox"

// Message is an event waiting in its document to be published.
type Message struct {
	ID      string `bson:"id"`
	Subject string `bson:"subject"`
	Data    string `bson:"data"` // the JSON body
}

// New returns the pending message that publishes e.
func New(e events.Event) (Message, error) {
	data, err := events.Marshal(e)
	if err != nil {
		return Message{}, err
	}
	var id [12]byte
	rand.Read(id[:])
	return Message{ID: hex.EncodeToString(id[:]), Subject: string(e.Subject()), Data: string(data)}, nil
}

// Push returns the update operator that appends msgs to a document's
// outbox; add it to the update that makes the change.
func Push(msgs ...Message) bson.E {
	return bson.E{Key: "$push", Value: bson.D{{Key: Field, Value: bson.D{{Key: "$each", Value: msgs}}}}}
}
