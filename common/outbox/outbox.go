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
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// Field is the name of the array field that holds a document's pending events.
const Field = "outbox"

// Message is an event waiting in its document to be published.
//
// In the document it is one string, "<id> <subject> <json>", or
// "<id>/<traceparent> <subject> <json>" when the write was traced: a plain
// value, so that the relay removes it with $pull by value and a filter on
// _id alone. (FerretDB v1 uses its _id index only for a filter that is
// exactly {_id: …}, and ignores $pull conditions on sub-documents.)
type Message struct {
	// ID is an ObjectID's hex: unique, and it tells when the event was
	// written (the relay's backlog age).
	ID      string
	Subject string
	Data    string // the JSON body
	// TraceParent is the W3C trace context of the request that caused the
	// event: the relay publishes it in that trace.
	TraceParent string
}

// New returns the pending message that publishes e, in the trace of ctx.
func New(ctx context.Context, e events.Event) (Message, error) {
	data, err := events.Marshal(e)
	if err != nil {
		return Message{}, err
	}
	return Message{ID: bson.NewObjectID().Hex(), Subject: string(e.Subject()), Data: string(data),
		TraceParent: telemetry.TraceParent(ctx)}, nil
}

func (m Message) String() string {
	id := m.ID
	if m.TraceParent != "" {
		id += "/" + m.TraceParent
	}
	return id + " " + m.Subject + " " + m.Data
}

// Written returns when m was written (zero for an id that is no ObjectID,
// as entries of older versions).
func (m Message) Written() time.Time {
	id, err := bson.ObjectIDFromHex(m.ID)
	if err != nil {
		return time.Time{}
	}
	return id.Timestamp()
}

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
	id, tp, _ := strings.Cut(parts[0], "/")
	*m = Message{ID: id, Subject: parts[1], Data: parts[2], TraceParent: tp}
	return nil
}

// Push returns the update operator that appends msgs to a document's
// outbox; add it to the update that makes the change.
func Push(msgs ...Message) bson.E {
	return bson.E{Key: "$push", Value: bson.D{{Key: Field, Value: bson.D{{Key: "$each", Value: msgs}}}}}
}

// Messages returns the pending messages that publish evs, in order, in the
// trace of ctx: what a store pushes with the write that makes the change.
func Messages(ctx context.Context, evs ...events.Event) ([]Message, error) {
	msgs := make([]Message, 0, len(evs))
	for _, e := range evs {
		m, err := New(ctx, e)
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
