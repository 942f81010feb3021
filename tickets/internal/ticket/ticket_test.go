package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/ticket"
	"github.com/gittix/ticketing/tickets/internal/ticket/tickettest"
)

func TestEvents(t *testing.T) {
	t.Parallel()
	id := bson.NewObjectID()
	tk := ticket.Ticket{ID: id, Title: "concert", Price: 1250, UserID: "u1", OrderID: "o1", Version: 3}
	if diff := cmp.Diff(events.TicketCreated{ID: id.Hex(), Version: 3, Title: "concert", Price: 12.5, UserID: "u1"}, tk.CreatedEvent()); diff != "" {
		t.Errorf("CreatedEvent (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(events.TicketUpdated{ID: id.Hex(), Version: 3, Title: "concert", Price: 12.5, UserID: "u1", OrderID: "o1"}, tk.UpdatedEvent()); diff != "" {
		t.Errorf("UpdatedEvent (-want +got):\n%s", diff)
	}
}

func TestEdit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		stored  ticket.Ticket
		user    string
		wantErr error
	}{
		{name: "seller edits", stored: ticket.Ticket{UserID: "u1"}, user: "u1"},
		{name: "not the seller", stored: ticket.Ticket{UserID: "u1"}, user: "u2", wantErr: ticket.ErrNotOwner},
		{name: "reserved", stored: ticket.Ticket{UserID: "u1", OrderID: "o1"}, user: "u1", wantErr: ticket.ErrReserved},
		{name: "reserved is checked before the owner", stored: ticket.Ticket{UserID: "u1", OrderID: "o1"}, user: "u2", wantErr: ticket.ErrReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.stored
			err := ticket.Edit(tt.user, "new", 999)(&got)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Edit error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (got.Title != "new" || got.Price != 999) {
				t.Errorf("after Edit: title %q price %d, want %q %d", got.Title, got.Price, "new", 999)
			}
		})
	}
}

func TestUpdateRetriesOnConflict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		conflicts   int // writes that get in before the first attempts
		reserveOnce bool
		wantErr     error
		wantVersion int64
	}{
		{name: "no conflict", conflicts: 0, wantVersion: 1},
		{name: "one conflict", conflicts: 1, wantVersion: 2},
		{name: "four conflicts", conflicts: ticket.MaxAttempts - 1, wantVersion: ticket.MaxAttempts},
		{name: "every attempt conflicts", conflicts: ticket.MaxAttempts, wantErr: ticket.ErrConflict},
		{name: "rules are checked again after a conflict", conflicts: 1, reserveOnce: true, wantErr: ticket.ErrReserved},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &tickettest.Store{}
			tk := s.Put(ticket.Ticket{Title: "old", Price: 100, UserID: "u1"})
			left := tt.conflicts
			s.BeforeSave = func(ticket.Ticket) {
				if left == 0 {
					return
				}
				left--
				cur, _ := s.Get(context.Background(), tk.ID)
				cur.Version++ // another writer got in
				if tt.reserveOnce {
					cur.OrderID = "o1"
				}
				s.Put(cur)
			}
			got, err := ticket.Update(context.Background(), s, tk.ID, ticket.Edit("u1", "new", 200))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Update error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if n := len(s.Events()); n != 0 {
					t.Errorf("events = %d, want 0", n)
				}
				return
			}
			if got.Version != tt.wantVersion || got.Title != "new" || got.Price != 200 {
				t.Errorf("Update = %+v, want version %d, title new, price 200", got, tt.wantVersion)
			}
		})
	}
}

func TestUpdateNotFound(t *testing.T) {
	t.Parallel()
	_, err := ticket.Update(context.Background(), &tickettest.Store{}, bson.NewObjectID(), ticket.Edit("u1", "x", 1))
	if !errors.Is(err, ticket.ErrNotFound) {
		t.Fatalf("Update error = %v, want %v", err, ticket.ErrNotFound)
	}
}

func TestCancelRemembersABoundedNumberOfOrders(t *testing.T) {
	t.Parallel()
	var tk ticket.Ticket
	for i := range ticket.MaxCancelledOrders + 5 {
		if !tk.Cancel(fmt.Sprint("o", i)) {
			t.Fatalf("Cancel(o%d) = false on its first cancellation", i)
		}
	}
	if got := len(tk.CancelledOrders); got != ticket.MaxCancelledOrders {
		t.Fatalf("remembers %d orders, want %d", got, ticket.MaxCancelledOrders)
	}
	if tk.Cancelled("o4") || !tk.Cancelled("o5") || !tk.Cancelled(fmt.Sprint("o", ticket.MaxCancelledOrders+4)) {
		t.Errorf("kept %v…, want the newest %d", tk.CancelledOrders[:3], ticket.MaxCancelledOrders)
	}
	if tk.Cancel("o104") {
		t.Error("a second Cancel of the same order changed the ticket")
	}
}

func TestReserveAndCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		stored      ticket.Ticket
		op          string // reserve or cancel o1
		wantChanged bool
		wantErr     error
		wantOrderID string
	}{
		{name: "reserve a free ticket", op: "reserve", wantChanged: true, wantOrderID: "o1"},
		{name: "reserve again", stored: ticket.Ticket{OrderID: "o1"}, op: "reserve", wantOrderID: "o1"},
		{name: "reserve for a cancelled order", stored: ticket.Ticket{CancelledOrders: []string{"o1"}}, op: "reserve"},
		{name: "reserve a ticket another order holds", stored: ticket.Ticket{OrderID: "o2"}, op: "reserve", wantErr: ticket.ErrReserved, wantOrderID: "o2"},
		{name: "cancel the holder", stored: ticket.Ticket{OrderID: "o1"}, op: "cancel", wantChanged: true},
		{name: "cancel before reserve", op: "cancel", wantChanged: true},
		{name: "cancel while another holds", stored: ticket.Ticket{OrderID: "o2"}, op: "cancel", wantChanged: true, wantOrderID: "o2"},
		{name: "cancel again", stored: ticket.Ticket{CancelledOrders: []string{"o1"}}, op: "cancel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.stored
			var changed bool
			var err error
			if tt.op == "reserve" {
				changed, err = got.Reserve("o1")
			} else {
				changed = got.Cancel("o1")
			}
			if changed != tt.wantChanged || !errors.Is(err, tt.wantErr) {
				t.Errorf("%s = %v, %v; want %v, %v", tt.op, changed, err, tt.wantChanged, tt.wantErr)
			}
			if got.OrderID != tt.wantOrderID {
				t.Errorf("orderId = %q, want %q", got.OrderID, tt.wantOrderID)
			}
			if tt.op == "cancel" && !got.Cancelled("o1") {
				t.Errorf("o1 not remembered as cancelled: %v", got.CancelledOrders)
			}
		})
	}
}
