// Package bustest provides a recording bus.Publisher for tests.
package bustest

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/gittix/ticketing/common/events"
)

// Message is one published message.
type Message struct {
	Subject events.Subject
	Data    []byte
}

// Publisher records what is published. Err, when set, is returned by
// Publish instead of recording. The zero value is ready to use.
type Publisher struct {
	mu   sync.Mutex
	msgs []Message
	Err  error
}

// Publish implements bus.Publisher.
func (p *Publisher) Publish(_ context.Context, subject events.Subject, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.Err != nil {
		return p.Err
	}
	p.msgs = append(p.msgs, Message{Subject: subject, Data: append([]byte(nil), data...)})
	return nil
}

// Messages returns a copy of everything published so far.
func (p *Publisher) Messages() []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Message(nil), p.msgs...)
}

// Decode returns the published events of type E, in order.
func Decode[E events.Event](t testing.TB, p *Publisher) []E {
	t.Helper()
	var out []E
	for _, m := range p.Messages() {
		if m.Subject != events.SubjectOf[E]() {
			continue
		}
		var e E
		if err := json.Unmarshal(m.Data, &e); err != nil {
			t.Fatalf("decode %s: %v", m.Subject, err)
		}
		out = append(out, e)
	}
	return out
}
