package listener_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/ticket"
	"github.com/gittix/ticketing/tickets/internal/ticket/tickettest"
)

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
