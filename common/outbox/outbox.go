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
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
)

// Field is the name of the array field that holds a document's pending events.
const Field = "outbox"

// Message is an event waiting in its document to be published.
//
// In the document it is one string, "<id> <subject> <json>": a plain value,
// so that the relay removes it with $pull by value and a filter on _id
// alone. (FerretDB v1 uses its _id index only for a filter that is exactly
// {_id: …}, and ignores $pull conditions on sub-documents.)
type Message struct {
	ID      string
	Subject string
	Data    string // the JSON body
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

func (m Message) String() string { return m.ID + " " + m.Subject + " " + m.Data }

// MarshalBSONValue stores m as one string.
func (m Message) MarshalBSONValue() (byte, []byte, error) {
	t, b, err := bson.MarshalValue(m.String())
	return byte(t), b, err
}

// UnmarshalBSONValue reads a message stored by MarshalBSONValue.
func (m *Message) UnmarshalBSONValue(t byte, data []byte) error {
	s, ok := bson.RawValue{Type: bson.Type(t), Value: data}.StringValueOK()
	if !ok {
		return fmt.Errorf("outbox message is BSON type %v, want a string", bson.Type(t))
	}
	parts := strings.SplitN(s, " ", 3)
	if len(parts) != 3 {
		return fmt.Errorf("outbox message %.40q is malformed", s)
	}
	*m = Message{ID: parts[0], Subject: parts[1], Data: parts[2]}
	return nil
}

// Push returns the update operator that appends msgs to a document's
// outbox; add it to the update that makes the change.
func Push(msgs ...Message) bson.E {
	return bson.E{Key: "$push", Value: bson.D{{Key: Field, Value: bson.D{{Key: "$each", Value: msgs}}}}}
}

// Messages returns the pending messages that publish evs, in order: what a
// store pushes with the write that makes the change.
func Messages(evs ...events.Event) ([]Message, error) {
	msgs := make([]Message, 0, len(evs))
	for _, e := range evs {
		m, err := New(e)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// Notifier is told about documents that got new pending events: a *Relay,
// handed to a store by the service's wiring (app.NewParts), or Discard.
type Notifier interface {
	Notify(id bson.ObjectID)
}

// Discard is a Notifier that tells nobody: the events wait for a relay's
// sweep (or for a test that publishes them itself).
var Discard Notifier = discard{}

type discard struct{}

func (discard) Notify(bson.ObjectID) {}
