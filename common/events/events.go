// Package events is the wire contract between the services: the subjects of
// NATS Streaming and the JSON body of each event (SPEC §8).
//
// The structs are the contract. Fields may be added; they are never renamed
// or removed, because services of other versions read the same channels.
package events

import (
	"encoding/json"
	"fmt"
)

// Subject is a NATS Streaming channel name.
type Subject string

// The six subjects of SPEC §8 (§11 adds more: refund.go, user.go).
const (
	SubjectTicketCreated      Subject = "ticket:created"
	SubjectTicketUpdated      Subject = "ticket:updated"
	SubjectOrderCreated       Subject = "order:created"
	SubjectOrderCancelled     Subject = "order:cancelled"
	SubjectExpirationComplete Subject = "expiration:complete"
	SubjectPaymentCreated     Subject = "payment:created"
)

// Subjects lists every subject of the system: a JetStream stream is
// created with all of them, so that no service has to add one later.
var Subjects = []Subject{
	SubjectTicketCreated, SubjectTicketUpdated,
	SubjectOrderCreated, SubjectOrderCancelled,
	SubjectExpirationComplete,
	SubjectPaymentCreated, SubjectPaymentRefunded,
	SubjectUserCreated, SubjectUserBanned,
}

// Event is implemented by every event struct; an event knows its subject.
type Event interface {
	Subject() Subject
}

// SubjectOf returns the subject of the event type E.
func SubjectOf[E Event]() Subject {
	var zero E
	return zero.Subject()
}

// Marshal returns the JSON body of e as it travels on the wire.
func Marshal(e Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", e.Subject(), err)
	}
	return b, nil
}
