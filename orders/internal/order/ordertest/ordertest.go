// Package ordertest provides in-memory stores of the orders service for
// hermetic tests: an order.Store with the same rules as the MongoDB one
// (one order per ticket, a cap of open orders per user, compare-and-set
// updates), and a ticket.Store for the replica.
package ordertest

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/memstore"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// Store is an in-memory order.Store. It records the events each write
// would publish. The zero value is ready to use.
type Store struct {
	mu     sync.Mutex
	orders map[bson.ObjectID]order.Order
	seq    map[bson.ObjectID]int // insertion order, for ListByUser
	events memstore.Events

	// Race, when set, changes the stored order just before the next
	// Update compares it (once): a test makes that Update lose a race.
	Race func(cur *order.Order)
	// Err, when set, is returned by every method.
	Err error
}

var _ order.Store = (*Store)(nil)

// Put stores o as it is, without an event or a check.
func (s *Store) Put(o order.Order) order.Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(o)
	return o
}

func (s *Store) put(o order.Order) {
	if s.orders == nil {
		s.orders = make(map[bson.ObjectID]order.Order)
		s.seq = make(map[bson.ObjectID]int)
	}
	if _, ok := s.seq[o.ID]; !ok {
		s.seq[o.ID] = len(s.seq)
	}
	s.orders[o.ID] = o
}

// Events returns the events recorded so far.
func (s *Store) Events() []events.Event {
	return s.events.All()
}

// Create implements order.Store.
func (s *Store) Create(_ context.Context, o order.Order, maxOpen int, evs ...events.Event) error {
	if s.Err != nil {
		return s.Err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	open := 0
	for _, x := range s.orders {
		if x.Ticket.ID == o.Ticket.ID && x.Status.Reserves() && o.Status.Reserves() {
			return order.ErrTicketReserved
		}
		if x.UserID == o.UserID && order.Open(x.Status) {
			open++
		}
	}
	if maxOpen > 0 && order.Open(o.Status) && open >= maxOpen {
		return order.ErrTooManyOpen
	}
	s.put(o)
	s.events.Add(evs...)
	return nil
}

// Get implements order.Store.
func (s *Store) Get(_ context.Context, id bson.ObjectID) (order.Order, error) {
	if s.Err != nil {
		return order.Order{}, s.Err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return order.Order{}, order.ErrNotFound
	}
	return o, nil
}

// ListByUser implements order.Store.
func (s *Store) ListByUser(_ context.Context, userID string) ([]order.Order, error) {
	if s.Err != nil {
		return nil, s.Err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []order.Order{}
	for _, o := range s.orders {
		if o.UserID == userID {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(a, b order.Order) int { return cmp.Compare(s.seq[a.ID], s.seq[b.ID]) })
	return out, nil
}

// Update implements order.Store.
func (s *Store) Update(_ context.Context, prev, next order.Order, evs ...events.Event) error {
	if s.Err != nil {
		return s.Err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.orders[prev.ID]
	if !ok {
		return order.ErrConflict
	}
	if s.Race != nil {
		s.Race(&cur)
		s.orders[prev.ID], s.Race = cur, nil
	}
	if cur.Version != prev.Version || cur.Status != prev.Status {
		return order.ErrConflict
	}
	cur.Status, cur.Version = next.Status, next.Version
	s.orders[prev.ID] = cur
	s.events.Add(evs...)
	return nil
}

// Tickets is an in-memory ticket.Store: the replica of tickets. The zero
// value is ready to use.
type Tickets struct {
	table memstore.Table[ticket.Ticket]

	// Err, when set, is returned by every method.
	Err error
}

var _ ticket.Store = (*Tickets)(nil)

// Put stores t as it is (a new id when it has none) and returns it.
func (s *Tickets) Put(t ticket.Ticket) ticket.Ticket {
	if t.ID.IsZero() {
		t.ID = bson.NewObjectID()
	}
	s.table.Put(t.ID, t)
	return t
}

// Get implements ticket.Store.
func (s *Tickets) Get(_ context.Context, id bson.ObjectID) (ticket.Ticket, error) {
	if s.Err != nil {
		return ticket.Ticket{}, s.Err
	}
	return s.table.Get(id, ticket.ErrNotFound)
}

// Create implements ticket.Store.
func (s *Tickets) Create(_ context.Context, t ticket.Ticket) error {
	if s.Err != nil {
		return s.Err
	}
	return s.table.Do(func(tickets map[bson.ObjectID]ticket.Ticket) error {
		if _, ok := tickets[t.ID]; ok {
			return ticket.ErrExists
		}
		tickets[t.ID] = t
		return nil
	})
}

// Update implements ticket.Store.
func (s *Tickets) Update(_ context.Context, t ticket.Ticket) error {
	if s.Err != nil {
		return s.Err
	}
	return s.table.Do(func(tickets map[bson.ObjectID]ticket.Ticket) error {
		if cur, ok := tickets[t.ID]; !ok || cur.Version != t.Version-1 {
			return ticket.ErrVersion
		}
		tickets[t.ID] = t
		return nil
	})
}
