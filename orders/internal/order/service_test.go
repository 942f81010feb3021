package order_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// memStore is an in-memory order.Store that can make the next Update lose
// a race: before it runs, race (if set) changes the stored order.
type memStore struct {
	mu     sync.Mutex
	orders map[bson.ObjectID]order.Order
	events []events.Event
	race   func(*order.Order)
}

func (s *memStore) Create(_ context.Context, o order.Order, evs ...events.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.orders {
		if x.Ticket.ID == o.Ticket.ID && x.Status.Reserves() {
			return order.ErrTicketReserved
		}
	}
	s.orders[o.ID] = o
	s.events = append(s.events, evs...)
	return nil
}

func (s *memStore) Get(_ context.Context, id bson.ObjectID) (order.Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	if !ok {
		return order.Order{}, order.ErrNotFound
	}
	return o, nil
}

func (s *memStore) ListByUser(context.Context, string) ([]order.Order, error) { return nil, nil }

func (s *memStore) Update(_ context.Context, prev, next order.Order, evs ...events.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.orders[prev.ID]
	if s.race != nil {
		s.race(&cur)
		s.orders[prev.ID], s.race = cur, nil
	}
	if cur.Version != prev.Version || cur.Status != prev.Status {
		return order.ErrConflict
	}
	cur.Status, cur.Version = next.Status, next.Version
	s.orders[prev.ID] = cur
	s.events = append(s.events, evs...)
	return nil
}

type memTickets map[bson.ObjectID]ticket.Ticket

func (m memTickets) Get(_ context.Context, id bson.ObjectID) (ticket.Ticket, error) {
	t, ok := m[id]
	if !ok {
		return ticket.Ticket{}, ticket.ErrNotFound
	}
	return t, nil
}
func (memTickets) Create(context.Context, ticket.Ticket) error { return nil }
func (memTickets) Update(context.Context, ticket.Ticket) error { return nil }

func newService() (*order.Service, *memStore, ticket.Ticket) {
	tk := ticket.Ticket{ID: bson.NewObjectID(), Title: "concert", Price: 12.5, Version: 3}
	store := &memStore{orders: map[bson.ObjectID]order.Order{}}
	now := time.Date(2030, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("x", 3600))
	return &order.Service{
		Orders: store, Tickets: memTickets{tk.ID: tk},
		Window: 15 * time.Minute, Now: func() time.Time { return now },
	}, store, tk
}

func TestPlace(t *testing.T) {
	t.Parallel()
	svc, store, tk := newService()
	o, err := svc.Place(context.Background(), "u1", tk.ID)
	if err != nil {
		t.Fatalf("Place: %v", err)
	}
	wantExpiry := time.Date(2030, 1, 2, 2, 19, 5, 678_000_000, time.UTC)
	want := order.Order{ID: o.ID, UserID: "u1", Status: events.StatusCreated, ExpiresAt: wantExpiry, Ticket: tk}
	if diff := cmp.Diff(want, o); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	wantEvents := []events.Event{events.OrderCreated{
		ID: o.ID.Hex(), Version: 0, Status: events.StatusCreated, UserID: "u1", ExpiresAt: wantExpiry,
		Ticket: events.OrderTicket{ID: tk.ID.Hex(), Price: 12.5},
	}}
	if diff := cmp.Diff(wantEvents, store.events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if _, err := svc.Place(context.Background(), "u2", tk.ID); !errors.Is(err, order.ErrTicketReserved) {
		t.Errorf("second Place: err = %v, want %v", err, order.ErrTicketReserved)
	}
	if _, err := svc.Place(context.Background(), "u2", bson.NewObjectID()); !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("Place of an unknown ticket: err = %v, want %v", err, ticket.ErrNotFound)
	}
}

func TestCancelAndComplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		complete   bool // else cancel
		from       events.OrderStatus
		race       events.OrderStatus // the status a concurrent writer sets first, if any
		wantErr    error
		wantStatus events.OrderStatus
		wantVer    int64
		wantEvents int // besides order:created
	}{
		{"cancel created", false, events.StatusCreated, "", nil, events.StatusCancelled, 1, 1},
		{"cancel awaiting payment", false, events.StatusAwaitingPayment, "", nil, events.StatusCancelled, 1, 1},
		{"cancel cancelled is a no-op", false, events.StatusCancelled, "", nil, events.StatusCancelled, 0, 0},
		{"cancel complete", false, events.StatusComplete, "", order.ErrCompleted, events.StatusComplete, 0, 0},
		{"cancel loses to a cancel", false, events.StatusCreated, events.StatusCancelled, nil, events.StatusCancelled, 1, 0},
		{"cancel loses to a payment", false, events.StatusCreated, events.StatusComplete, order.ErrCompleted, events.StatusComplete, 1, 0},
		{"complete created", true, events.StatusCreated, "", nil, events.StatusComplete, 1, 0},
		{"complete complete is a no-op", true, events.StatusComplete, "", nil, events.StatusComplete, 0, 0},
		{"complete cancelled", true, events.StatusCancelled, "", order.ErrCancelled, events.StatusCancelled, 0, 0},
		{"complete loses to an expiry", true, events.StatusCreated, events.StatusCancelled, order.ErrCancelled, events.StatusCancelled, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, store, tk := newService()
			o := order.Order{ID: bson.NewObjectID(), UserID: "u1", Status: tc.from, Ticket: tk}
			store.orders[o.ID] = o
			if tc.race != "" {
				store.race = func(cur *order.Order) { cur.Status, cur.Version = tc.race, cur.Version+1 }
			}
			var err error
			if tc.complete {
				_, err = svc.Complete(context.Background(), o)
			} else {
				_, err = svc.Cancel(context.Background(), o)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			got := store.orders[o.ID]
			if got.Status != tc.wantStatus || got.Version != tc.wantVer {
				t.Errorf("stored = %s v%d, want %s v%d", got.Status, got.Version, tc.wantStatus, tc.wantVer)
			}
			if got := len(store.events); got != tc.wantEvents {
				t.Errorf("events = %d (%+v), want %d", got, store.events, tc.wantEvents)
			}
			if tc.wantEvents == 1 {
				want := events.OrderCancelled{ID: o.ID.Hex(), Version: 1, Ticket: events.TicketRef{ID: tk.ID.Hex()}}
				if diff := cmp.Diff(events.Event(want), store.events[0]); diff != "" {
					t.Errorf("order:cancelled (-want +got):\n%s", diff)
				}
			}
		})
	}
}
