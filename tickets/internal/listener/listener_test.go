package listener_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/ticket"
	"github.com/gittix/ticketing/tickets/internal/ticket/tickettest"
)

// Hermetic tests of the handlers' decisions on the in-memory store; the
// same handlers run on MongoDB and NATS Streaming in integration_test.go.

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOrderCreatedDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		holder      string // orderId stored on the ticket
		ticketID    string // "" → the stored ticket's id
		conflict    bool
		wantErr     bool
		wantOrderID string
		wantVersion int64
		wantEvents  int
	}{
		{name: "reserves a free ticket", wantOrderID: "o1", wantVersion: 1, wantEvents: 1},
		{name: "redelivery changes nothing", holder: "o1", wantOrderID: "o1"},
		{name: "held by another order: acked, unchanged", holder: "o2", wantOrderID: "o2"},
		{name: "unknown ticket: not acked", ticketID: bson.NewObjectID().Hex(), wantErr: true},
		{name: "invalid ticket id: acked", ticketID: "nope"},
		{name: "version conflict: not acked", conflict: true, wantErr: true, wantVersion: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &tickettest.Store{}
			tk := s.Put(ticket.Ticket{Title: "a", Price: 100, UserID: "u1", OrderID: tt.holder})
			if tt.conflict {
				s.BeforeSave = func(got ticket.Ticket) { tk.Version++; s.Put(tk) }
			}
			id := tt.ticketID
			if id == "" {
				id = tk.ID.Hex()
			}
			err := listener.OrderCreated(s, discard)(context.Background(), events.OrderCreated{ID: "o1", Ticket: events.OrderTicket{ID: id, Price: 1}})
			if (err != nil) != tt.wantErr {
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
		name        string
		holder      string
		ticketID    string
		conflict    bool
		wantErr     bool
		wantOrderID string
		wantVersion int64
		wantEvents  int
	}{
		{name: "releases the ticket", holder: "o1", wantVersion: 1, wantEvents: 1},
		{name: "redelivery changes nothing", holder: ""},
		{name: "another order holds it: acked, unchanged", holder: "o2", wantOrderID: "o2"},
		{name: "unknown ticket: not acked", ticketID: bson.NewObjectID().Hex(), wantErr: true, holder: "o1", wantOrderID: "o1"},
		{name: "invalid ticket id: acked", ticketID: "nope", holder: "o1", wantOrderID: "o1"},
		{name: "version conflict: not acked", holder: "o1", conflict: true, wantErr: true, wantOrderID: "o1", wantVersion: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &tickettest.Store{}
			tk := s.Put(ticket.Ticket{Title: "a", Price: 100, UserID: "u1", OrderID: tt.holder})
			if tt.conflict {
				s.BeforeSave = func(ticket.Ticket) { tk.Version++; s.Put(tk) }
			}
			id := tt.ticketID
			if id == "" {
				id = tk.ID.Hex()
			}
			err := listener.OrderCancelled(s, discard)(context.Background(), events.OrderCancelled{ID: "o1", Version: 1, Ticket: events.TicketRef{ID: id}})
			if (err != nil) != tt.wantErr {
				t.Fatalf("handler error = %v, want error %v", err, tt.wantErr)
			}
			got, _ := s.Get(context.Background(), tk.ID)
			if got.OrderID != tt.wantOrderID || got.Version != tt.wantVersion {
				t.Errorf("ticket orderId %q version %d, want %q %d", got.OrderID, got.Version, tt.wantOrderID, tt.wantVersion)
			}
			if n := len(s.Events()); n != tt.wantEvents {
				t.Errorf("events = %d, want %d", n, tt.wantEvents)
			}
		})
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
