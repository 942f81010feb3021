package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/order/ordertest"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

func newService() (*order.Service, *ordertest.Store, ticket.Ticket) {
	tickets := &ordertest.Tickets{}
	tk := tickets.Put(ticket.Ticket{Title: "concert", Price: 12.5, Version: 3})
	store := &ordertest.Store{}
	now := time.Date(2030, 1, 2, 3, 4, 5, 678_901_234, time.FixedZone("x", 3600))
	return &order.Service{
		Orders: store, Tickets: tickets,
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
	if diff := cmp.Diff(wantEvents, store.Events()); diff != "" {
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
			store.Put(o)
			if tc.race != "" {
				store.Race = func(cur *order.Order) { cur.Status, cur.Version = tc.race, cur.Version+1 }
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
			got, _ := store.Get(context.Background(), o.ID)
			if got.Status != tc.wantStatus || got.Version != tc.wantVer {
				t.Errorf("stored = %s v%d, want %s v%d", got.Status, got.Version, tc.wantStatus, tc.wantVer)
			}
			evs := store.Events()
			if got := len(evs); got != tc.wantEvents {
				t.Errorf("events = %d (%+v), want %d", got, evs, tc.wantEvents)
			}
			if tc.wantEvents == 1 {
				want := events.OrderCancelled{ID: o.ID.Hex(), Version: 1, Ticket: events.TicketRef{ID: tk.ID.Hex()}}
				if diff := cmp.Diff(events.Event(want), evs[0]); diff != "" {
					t.Errorf("order:cancelled (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestPlaceCap: a user holds at most MaxOpen open orders; a cancelled or
// paid order frees its place, and other users are not affected.
func TestPlaceCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := newService()
	svc.MaxOpen = 2
	tickets := svc.Tickets.(*ordertest.Tickets)
	place := func(user string) (order.Order, error) {
		tk := tickets.Put(ticket.Ticket{Title: "t", Price: 1})
		return svc.Place(ctx, user, tk.ID)
	}
	a, err := place("u1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := place("u1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := place("u1"); !errors.Is(err, order.ErrTooManyOpen) {
		t.Fatalf("third open order: err = %v, want %v", err, order.ErrTooManyOpen)
	}
	if _, err := place("u2"); err != nil {
		t.Fatalf("another user's order: %v", err)
	}
	if _, err := svc.Cancel(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Complete(ctx, b); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := place("u1"); err != nil {
			t.Fatalf("order %d after a cancel and a payment: %v", i+1, err)
		}
	}
	if _, err := place("u1"); !errors.Is(err, order.ErrTooManyOpen) {
		t.Fatalf("open orders past the cap again: err = %v, want %v", err, order.ErrTooManyOpen)
	}
}
