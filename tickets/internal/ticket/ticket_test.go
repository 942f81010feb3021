package ticket_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
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

func TestParsePrice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    ticket.Cents
		wantErr error
	}{
		{in: "20", want: 2000},
		{in: "12.50", want: 1250},
		{in: " 12.5 ", want: 1250},
		{in: "+3", want: 300},
		{in: "19.99", want: 1999},
		{in: "0.01", want: 1},
		{in: ".5", want: 50},
		{in: "5.", want: 500},
		{in: "1e2", want: 10000},
		{in: "1.5E-1", want: 15},
		{in: "1.005", want: 101},  // exact half: away from zero (a float would give 100)
		{in: "1.0049", want: 100}, // below half
		{in: "0.005", want: 1},
		{in: "1000000", want: 1_000_000_00},
		{in: "1000000.004", want: 1_000_000_00}, // rounds to the maximum
		{in: "0", wantErr: ticket.ErrPriceInvalid},
		{in: "-0", wantErr: ticket.ErrPriceInvalid},
		{in: "0.004", wantErr: ticket.ErrPriceInvalid}, // rounds to 0 cents
		{in: "-10", wantErr: ticket.ErrPriceInvalid},
		{in: "-0.01", wantErr: ticket.ErrPriceInvalid},
		{in: "1e-400", wantErr: ticket.ErrPriceInvalid},
		{in: "", wantErr: ticket.ErrPriceInvalid},
		{in: "   ", wantErr: ticket.ErrPriceInvalid},
		{in: "abc", wantErr: ticket.ErrPriceInvalid},
		{in: "NaN", wantErr: ticket.ErrPriceInvalid},
		{in: "nan", wantErr: ticket.ErrPriceInvalid},
		{in: "Inf", wantErr: ticket.ErrPriceInvalid},
		{in: "+Infinity", wantErr: ticket.ErrPriceInvalid},
		{in: "0x10", wantErr: ticket.ErrPriceInvalid},
		{in: "1_000", wantErr: ticket.ErrPriceInvalid},
		{in: "1/2", wantErr: ticket.ErrPriceInvalid},
		{in: "12.50 USD", wantErr: ticket.ErrPriceInvalid},
		{in: "$12", wantErr: ticket.ErrPriceInvalid},
		{in: "1e", wantErr: ticket.ErrPriceInvalid},
		{in: ".", wantErr: ticket.ErrPriceInvalid},
		{in: "1000000.005", wantErr: ticket.ErrPriceTooHigh},
		{in: "1000000.01", wantErr: ticket.ErrPriceTooHigh},
		{in: "1e7", wantErr: ticket.ErrPriceTooHigh},
		{in: "1e400", wantErr: ticket.ErrPriceTooHigh},
		{in: "1e999999999", wantErr: ticket.ErrPriceTooHigh},
		{in: "0.30000000000000004", want: 30}, // a float printed in full
		{in: "5." + strings.Repeat("0", ticket.MaxPriceLen-2), want: 500},
		{in: " 5." + strings.Repeat("0", ticket.MaxPriceLen-2) + " ", want: 500},
		// Longer than MaxPriceLen: refused before any arithmetic. A
		// megabyte of digits cost 1.5 s of big.Rat work per request, and
		// strconv.ParseFloat misreads over 800 digits (golang/go#42436).
		{in: "5." + strings.Repeat("0", ticket.MaxPriceLen-1), wantErr: ticket.ErrPriceInvalid},
		{in: "1." + strings.Repeat("7", 1<<20), wantErr: ticket.ErrPriceInvalid},
		{in: "1" + strings.Repeat("0", 1000) + "e-1000", wantErr: ticket.ErrPriceInvalid},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 80 {
			name = name[:80] + "…"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ticket.ParsePrice(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParsePrice(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParsePrice(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestCentsDollars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    ticket.Cents
		want float64
	}{
		{1, 0.01}, {1250, 12.5}, {1999, 19.99}, {2000, 20}, {ticket.MaxPrice, 1_000_000},
	}
	for _, tt := range tests {
		if got := tt.c.Dollars(); got != tt.want {
			t.Errorf("Cents(%d).Dollars() = %v, want %v", tt.c, got, tt.want)
		}
	}
}

func TestParseTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "plain", in: "concert", want: "concert"},
		{name: "trimmed", in: "  concert \n", want: "concert"},
		{name: "empty", in: "", wantErr: ticket.ErrTitleRequired},
		{name: "only spaces", in: " \t\n ", wantErr: ticket.ErrTitleRequired},
		{name: "200 runes", in: strings.Repeat("é", 200), want: strings.Repeat("é", 200)},
		{name: "201 runes", in: strings.Repeat("é", 201), wantErr: ticket.ErrTitleTooLong},
		{name: "200 runes after trim", in: " " + strings.Repeat("a", 200) + " ", want: strings.Repeat("a", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ticket.ParseTitle(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseTitle(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseTitle(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParsePrice checks ParsePrice against strconv.ParseFloat: an accepted
// price is within a float's rounding of the text's value, and a short plain
// decimal clearly inside the range is accepted.
func FuzzParsePrice(f *testing.F) {
	for _, s := range []string{
		"20", "19.99", " 12.5 ", "+3", ".5", "5.", "1e2", "1.5E-1", "1.005", "0.005", "0.004",
		"1000000", "1000000.004", "1000000.005", "0", "-0", "-1", "1e400", "1e-400", "1e999999999",
		"NaN", "Inf", "0x10", "1_000", "", ".", "1e", "0.30000000000000004",
		"5." + strings.Repeat("0", 62), "1" + strings.Repeat("0", 1000) + "e-1000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ticket.ParsePrice(s)
		trimmed := strings.TrimSpace(s)
		v, ferr := strconv.ParseFloat(trimmed, 64)
		plain := ferr == nil && trimmed != "" && strings.Trim(trimmed, "0123456789.eE+-") == ""
		if err != nil {
			// Only a short plain decimal well inside the range must pass.
			if plain && len(trimmed) <= ticket.MaxPriceLen && v*100 > 0.5+1e-6 && v*100 < float64(ticket.MaxPrice)-1 {
				t.Fatalf("ParsePrice(%q) = %v, but it is %v dollars", s, err, v)
			}
			return
		}
		if c <= 0 || c > ticket.MaxPrice {
			t.Fatalf("ParsePrice(%q) = %d cents, out of range", s, c)
		}
		if !plain {
			t.Fatalf("ParsePrice(%q) accepted text that is not a plain decimal", s)
		}
		if d := math.Abs(v*100 - float64(c)); d > 0.5+1e-6*v*100 {
			t.Fatalf("ParsePrice(%q) = %d cents, but the text is %v dollars", s, c, v)
		}
	})
}
