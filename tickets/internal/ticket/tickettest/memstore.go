// Package tickettest provides an in-memory ticket.Store for hermetic tests.
package tickettest

import (
	"cmp"
	"context"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/memstore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// Store is an in-memory ticket.Store with the same versioning as the real
// one. It records the events each write would publish. The zero value is
// ready to use.
type Store struct {
	tickets memstore.Table[ticket.Ticket]
	events  memstore.Events

	// BeforeSave, when set, runs at the start of every Save, outside the
	// lock: a test can change the ticket under the writer there.
	BeforeSave func(t ticket.Ticket)
	// Err, when set, is returned by every method.
	Err error
}

var _ ticket.Store = (*Store)(nil)

// Put stores t as it is, without an event.
func (s *Store) Put(t ticket.Ticket) ticket.Ticket {
	if t.ID.IsZero() {
		t.ID = bson.NewObjectID()
	}
	s.tickets.Put(t.ID, t)
	return t
}

// Events returns the events recorded so far.
func (s *Store) Events() []events.Event {
	return s.events.All()
}

// Create implements ticket.Store.
func (s *Store) Create(_ context.Context, t ticket.Ticket) (ticket.Ticket, error) {
	if s.Err != nil {
		return ticket.Ticket{}, s.Err
	}
	t.ID, t.Version, t.OrderID = bson.NewObjectID(), 0, ""
	s.Put(t)
	s.events.Add(t.CreatedEvent())
	return t, nil
}

// Get implements ticket.Store.
func (s *Store) Get(_ context.Context, id bson.ObjectID) (ticket.Ticket, error) {
	if s.Err != nil {
		return ticket.Ticket{}, s.Err
	}
	return s.tickets.Get(id, ticket.ErrNotFound)
}

// ListAvailable implements ticket.Store.
func (s *Store) ListAvailable(_ context.Context, p ticket.Page) ([]ticket.Ticket, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	var out []ticket.Ticket
	_ = s.tickets.Do(func(tickets map[bson.ObjectID]ticket.Ticket) error {
		for _, t := range tickets {
			if !t.Reserved() && (p.After.IsZero() || t.ID.Hex() > p.After.Hex()) {
				out = append(out, t)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b ticket.Ticket) int { return cmp.Compare(a.ID.Hex(), b.ID.Hex()) })
	return out[:min(len(out), max(p.Limit, 1))], nil
}

// Save implements ticket.Store.
func (s *Store) Save(_ context.Context, t ticket.Ticket) (ticket.Ticket, error) {
	if s.BeforeSave != nil {
		s.BeforeSave(t)
	}
	if s.Err != nil {
		return ticket.Ticket{}, s.Err
	}
	err := s.tickets.Do(func(tickets map[bson.ObjectID]ticket.Ticket) error {
		if cur, ok := tickets[t.ID]; !ok || cur.Version != t.Version {
			return ticket.ErrConflict
		}
		t.Version++
		tickets[t.ID] = t
		s.events.Add(t.UpdatedEvent()) // under the table's lock: events in the order of the writes
		return nil
	})
	if err != nil {
		return ticket.Ticket{}, err
	}
	return t, nil
}
