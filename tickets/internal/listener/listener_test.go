package listener_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/ticket"
	"github.com/gittix/ticketing/tickets/internal/ticket/tickettest"
)

// Hermetic tests of the handlers' decisions on the in-memory store; the
// same handlers run on MongoDB and NATS Streaming in integration_test.go.

var discard = slog.New(slog.DiscardHandler)

// storeWith returns a store holding one ticket, held by holder (empty: by
// no order) with the orders cancelled on it; with conflict, another writer
// bumps the ticket's version under every save.
func storeWith(holder string, cancelled []string, conflict bool) (*tickettest.Store, ticket.Ticket) {
	s := &tickettest.Store{}
	tk := s.Put(ticket.Ticket{Title: "a", Price: 100, UserID: "u1", OrderID: holder, CancelledOrders: cancelled})
	if conflict {
		other := tk
		s.BeforeSave = func(ticket.Ticket) { other.Version++; s.Put(other) }
	}
	return s, tk
}

// idOr returns id, or tk's id when id is empty.
func idOr(id string, tk ticket.Ticket) string {
	if id == "" {
		return tk.ID.Hex()
	}
	return id
}

func TestOrderCreatedDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		holder      string   // orderId stored on the ticket
		cancelled   []string // orders already cancelled on the ticket
		ticketID    string   // "" → the stored ticket's id
		conflict    bool
		wantErr     bool
		wantOrderID string
		wantVersion int64
		wantEvents  int
	}{
		{name: "reserves a free ticket", wantOrderID: "o1", wantVersion: 1, wantEvents: 1},
		{name: "reserves a ticket other orders held before", cancelled: []string{"o0"}, wantOrderID: "o1", wantVersion: 1, wantEvents: 1},
		{name: "redelivery changes nothing", holder: "o1", wantOrderID: "o1"},
		{name: "order cancelled already (order:cancelled came first): acked, unchanged", cancelled: []string{"o1"}},
		{name: "order cancelled already while another holds it: acked, unchanged", holder: "o2", cancelled: []string{"o1"}, wantOrderID: "o2"},
		{name: "held by another order: not acked until its order:cancelled", holder: "o2", wantErr: true, wantOrderID: "o2"},
		{name: "unknown ticket: not acked", ticketID: bson.NewObjectID().Hex(), wantErr: true},
		{name: "invalid ticket id: acked", ticketID: "nope"},
		{name: "version conflict: not acked", conflict: true, wantErr: true, wantVersion: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, tk := storeWith(tt.holder, tt.cancelled, tt.conflict)
			id := idOr(tt.ticketID, tk)
			err := listener.OrderCreated(s, discard)(context.Background(), events.OrderCreated{ID: "o1", Ticket: events.OrderTicket{ID: id, Price: 1}})
			if !acked(err) != tt.wantErr {
				t.Fatalf("handler error = %v, want error %v", err, tt.wantErr)
			}
			got, _ := s.Get(context.Background(), tk.ID)
			if tt.ticketID == "" && (got.OrderID != tt.wantOrderID || got.Version != tt.wantVersion) {
				t.Errorf("ticket orderId %q version %d, want %q %d", got.OrderID, got.Version, tt.wantOrderID, tt.wantVersion)
			}
			if n := len(s.Events()); n != tt.wantEvents {
				t.Errorf("events = %d, want %d", n, tt.wantEvents)
			}
		})
	}
}

func TestOrderCancelledDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		holder        string
		cancelled     []string
		ticketID      string
		conflict      bool
		wantErr       bool
		wantOrderID   string
		wantVersion   int64
		wantCancelled []string
		wantEvents    int
	}{
		{name: "releases the ticket and remembers the order", holder: "o1", wantVersion: 1, wantCancelled: []string{"o1"}, wantEvents: 1},
		{name: "redelivery changes nothing", cancelled: []string{"o1"}, wantCancelled: []string{"o1"}},
		{name: "before its order:created: remembers the order", wantVersion: 1, wantCancelled: []string{"o1"}, wantEvents: 1},
		{name: "another order holds it: remembers the order, holder kept", holder: "o2", wantOrderID: "o2", wantVersion: 1, wantCancelled: []string{"o1"}, wantEvents: 1},
		{name: "unknown ticket: not acked", ticketID: bson.NewObjectID().Hex(), wantErr: true, holder: "o1", wantOrderID: "o1"},
		{name: "invalid ticket id: acked", ticketID: "nope", holder: "o1", wantOrderID: "o1"},
		{name: "version conflict: not acked", holder: "o1", conflict: true, wantErr: true, wantOrderID: "o1", wantVersion: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, tk := storeWith(tt.holder, tt.cancelled, tt.conflict)
			id := idOr(tt.ticketID, tk)
			err := listener.OrderCancelled(s, discard)(context.Background(), events.OrderCancelled{ID: "o1", Version: 1, Ticket: events.TicketRef{ID: id}})
			if !acked(err) != tt.wantErr {
				t.Fatalf("handler error = %v, want error %v", err, tt.wantErr)
			}
			got, _ := s.Get(context.Background(), tk.ID)
			if got.OrderID != tt.wantOrderID || got.Version != tt.wantVersion {
				t.Errorf("ticket orderId %q version %d, want %q %d", got.OrderID, got.Version, tt.wantOrderID, tt.wantVersion)
			}
			if diff := cmp.Diff(tt.wantCancelled, got.CancelledOrders, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("cancelled orders (-want +got):\n%s", diff)
			}
			if n := len(s.Events()); n != tt.wantEvents {
				t.Errorf("events = %d, want %d", n, tt.wantEvents)
			}
		})
	}
}

// The bug this guards against: order:created processed only after the
// order's order:cancelled (a redelivery after a version conflict, a lost
// ack…) reserved the ticket for a cancelled order, with nothing left to
// release it. Every order of the events of one order's life, each event
// delivered twice, ends with the ticket free.
func TestCancelledOrderNeverHoldsTheTicket(t *testing.T) {
	t.Parallel()
	sequences := map[string][]string{
		"in order":                       {"created", "cancelled"},
		"cancel first":                   {"cancelled", "created"},
		"created redelivered after":      {"created", "cancelled", "created"},
		"everything twice, cancel first": {"cancelled", "cancelled", "created", "created"},
		"interleaved duplicates":         {"created", "cancelled", "created", "cancelled"},
	}
	for name, seq := range sequences {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &tickettest.Store{}
			tk := s.Put(ticket.Ticket{Title: "a", Price: 100, UserID: "u1"})
			created := listener.OrderCreated(s, discard)
			cancelled := listener.OrderCancelled(s, discard)
			for _, ev := range seq {
				var err error
				if ev == "created" {
					err = created(t.Context(), events.OrderCreated{ID: "o1", Ticket: events.OrderTicket{ID: tk.ID.Hex(), Price: 1}})
				} else {
					err = cancelled(t.Context(), events.OrderCancelled{ID: "o1", Version: 1, Ticket: events.TicketRef{ID: tk.ID.Hex()}})
				}
				if err != nil {
					t.Fatalf("order:%s: %v", ev, err)
				}
			}
			got, _ := s.Get(t.Context(), tk.ID)
			if got.Reserved() {
				t.Errorf("ticket held by %q after %v, want free", got.OrderID, seq)
			}
			// Each change announced once: the two events of the order's life
			// at most, in version order.
			evs := s.Events()
			if len(evs) > 2 {
				t.Errorf("%d events recorded, want at most 2: %v", len(evs), evs)
			}
			for i, e := range evs {
				if v := e.(events.TicketUpdated).Version; v != int64(i+1) {
					t.Errorf("event %d has version %d, want %d", i, v, i+1)
				}
			}
		})
	}
}

// The next order of a ticket may reach tickets before the cancellation of
// the order that held it: it waits (not acked) and reserves once that
// cancellation is applied.
func TestNextOrderWaitsForTheRelease(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	tk := s.Put(ticket.Ticket{Title: "a", Price: 100, UserID: "u1"})
	created := listener.OrderCreated(s, discard)
	cancelled := listener.OrderCancelled(s, discard)
	ctx := t.Context()
	createdEv := func(id string) events.OrderCreated {
		return events.OrderCreated{ID: id, Ticket: events.OrderTicket{ID: tk.ID.Hex(), Price: 1}}
	}
	if err := created(ctx, createdEv("o1")); err != nil {
		t.Fatal(err)
	}
	if err := created(ctx, createdEv("o2")); err == nil {
		t.Fatal("order:created of o2 while o1 holds the ticket was acked")
	}
	if err := cancelled(ctx, events.OrderCancelled{ID: "o1", Version: 1, Ticket: events.TicketRef{ID: tk.ID.Hex()}}); err != nil {
		t.Fatal(err)
	}
	if err := created(ctx, createdEv("o2")); err != nil {
		t.Fatalf("redelivered order:created of o2: %v", err)
	}
	if got, _ := s.Get(ctx, tk.ID); got.OrderID != "o2" || got.Version != 3 {
		t.Errorf("ticket held by %q at version %d, want o2 at 3", got.OrderID, got.Version)
	}
}

func TestUpdatedEventCarriesTheLock(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	tk := s.Put(ticket.Ticket{Title: "a", Price: 150, UserID: "u1"})
	ctx := context.Background()
	if err := listener.OrderCreated(s, discard)(ctx, events.OrderCreated{ID: "o1", Ticket: events.OrderTicket{ID: tk.ID.Hex()}}); err != nil {
		t.Fatal(err)
	}
	if err := listener.OrderCancelled(s, discard)(ctx, events.OrderCancelled{ID: "o1", Ticket: events.TicketRef{ID: tk.ID.Hex()}}); err != nil {
		t.Fatal(err)
	}
	want := []events.Event{
		events.TicketUpdated{ID: tk.ID.Hex(), Version: 1, Title: "a", Price: 1.5, UserID: "u1", OrderID: "o1"},
		events.TicketUpdated{ID: tk.ID.Hex(), Version: 2, Title: "a", Price: 1.5, UserID: "u1"},
	}
	if diff := cmp.Diff(want, s.Events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// acked reports whether bus.Dispatch acks a message its handler answered
// with err: nil, or an error wrapping bus.ErrDrop (logged and acked).
func acked(err error) bool { return err == nil || errors.Is(err, bus.ErrDrop) }

// The event decoders under fuzzing: any message data, run through
// bus.Dispatch as a delivery is, either changes the ticket by one version
// as the event says, or changes nothing; never a panic.

const fuzzTicket = "0123456789abcdef01234567"

func fuzzStore(reserved bool) (*tickettest.Store, ticket.Ticket) {
	s := &tickettest.Store{}
	tk := ticket.Ticket{ID: bson.ObjectID{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67},
		Title: "a", Price: 100, UserID: "u1", Version: 3, CancelledOrders: []string{"o-cancelled"}}
	if reserved {
		tk.OrderID = "o-held"
	}
	return s, s.Put(tk)
}

// fuzzListener fuzzes the handler that newHandler makes with seeds, on a
// held ticket and a free one: an event that leaves the version alone must
// leave the order id alone too; one that moves it by one must pass
// changed; any other version is wrong.
func fuzzListener[E events.Event](f *testing.F, newHandler func(ticket.Store) bus.Handler[E], seeds []string, changed func(t *testing.T, before, after ticket.Ticket, e E, data []byte)) {
	for _, data := range seeds {
		f.Add([]byte(data), false)
		f.Add([]byte(data), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, reserved bool) {
		s, before := fuzzStore(reserved)
		bus.Dispatch(context.Background(), discard, newHandler(s), data, 1, false, time.Second)
		after, _ := s.Get(context.Background(), before.ID)
		var e E
		_ = json.Unmarshal(data, &e)
		switch after.Version {
		case before.Version:
			if after.OrderID != before.OrderID {
				t.Fatalf("orderId changed from %q to %q without a new version", before.OrderID, after.OrderID)
			}
		case before.Version + 1:
			changed(t, before, after, e, data)
		default:
			t.Fatalf("version %d became %d", before.Version, after.Version)
		}
	})
}

func FuzzOrderCreated(f *testing.F) {
	created := func(s ticket.Store) bus.Handler[events.OrderCreated] { return listener.OrderCreated(s, discard) }
	fuzzListener(f, created, []string{
		`{"id":"o1","version":0,"status":"created","userId":"u2","expiresAt":"2030-01-01T00:00:00Z","ticket":{"id":"` + fuzzTicket + `","price":1}}`,
		`{"id":"o-held","ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"o-cancelled","ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"","ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"o1","ticket":{"id":"nope"}}`,
		`{"id":"o1","ticket":{"id":"` + bson.NewObjectID().Hex() + `"}}`,
		`{"id":"o1","ticket":null}`, `{"id":5}`, `{"expiresAt":"not a time"}`, `[]`, `null`, ``, `{`,
	}, func(t *testing.T, before, after ticket.Ticket, e events.OrderCreated, data []byte) {
		if before.Reserved() || after.OrderID != e.ID || e.ID == "" || e.Ticket.ID != fuzzTicket {
			t.Fatalf("ticket %+v became %+v on %s", before, after, data)
		}
	})
}

func FuzzOrderCancelled(f *testing.F) {
	cancelled := func(s ticket.Store) bus.Handler[events.OrderCancelled] { return listener.OrderCancelled(s, discard) }
	fuzzListener(f, cancelled, []string{
		`{"id":"o-held","version":1,"ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"o-other","version":1,"ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"o-cancelled","version":1,"ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"","ticket":{"id":"` + fuzzTicket + `"}}`,
		`{"id":"o1","ticket":{"id":"zz"}}`, `{"ticket":"x"}`, `[]`, `null`, ``, `{`,
	}, func(t *testing.T, before, after ticket.Ticket, e events.OrderCancelled, data []byte) {
		if after.OrderID != before.OrderID && (after.OrderID != "" || e.ID != before.OrderID) {
			t.Fatalf("ticket %+v became %+v on %s", before, after, data)
		}
		if !after.Cancelled(e.ID) || len(after.CancelledOrders) > ticket.MaxCancelledOrders {
			t.Fatalf("cancelled orders %v after %s", after.CancelledOrders, data)
		}
	})
}
