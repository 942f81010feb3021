package listener_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/listener"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/order/ordertest"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// TestDrops: an event that can never be handled (a malformed id, an order
// that does not exist) is dropped with bus.ErrDrop, which bus.Dispatch
// logs and acks, and changes nothing.
func TestDrops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	unknown := bson.NewObjectID().Hex()
	svc, s, before := orders(0)
	tests := []struct {
		name string
		run  func() error
	}{
		{"ticket:created bad id", func() error {
			return listener.TicketCreated(replica(false), fuzzLog)(ctx, events.TicketCreated{ID: "nope"})
		}},
		{"ticket:updated bad id", func() error {
			return listener.TicketUpdated(replica(true), fuzzLog)(ctx, events.TicketUpdated{ID: "nope", Version: 4})
		}},
		{"expiration:complete bad id", func() error {
			return listener.ExpirationComplete(svc, fuzzLog)(ctx, events.ExpirationComplete{OrderID: "nope"})
		}},
		{"expiration:complete unknown order", func() error {
			return listener.ExpirationComplete(svc, fuzzLog)(ctx, events.ExpirationComplete{OrderID: unknown})
		}},
		{"payment:created bad id", func() error {
			return listener.PaymentCreated(svc, fuzzLog)(ctx, events.PaymentCreated{ID: "p", OrderID: "nope"})
		}},
		{"payment:created unknown order", func() error {
			return listener.PaymentCreated(svc, fuzzLog)(ctx, events.PaymentCreated{ID: "p", OrderID: unknown})
		}},
	}
	for _, tc := range tests {
		if err := tc.run(); !errors.Is(err, bus.ErrDrop) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, bus.ErrDrop)
		}
	}
	if after, _ := s.Get(ctx, fuzzOrderID); after != before || len(s.Events()) != 0 {
		t.Errorf("order %+v became %+v, events %v", before, after, s.Events())
	}
}

// TestPaymentAfterCancel: a payment:created for an order already cancelled
// (it expired, or the buyer cancelled, before the payment arrived) is
// acked; the order stays cancelled and nothing is published — payments
// refunds the charge on its own — and the log says exactly that.
func TestPaymentAfterCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, s, before := orders(3) // cancelled
	if before.Status != events.StatusCancelled {
		t.Fatalf("status = %s, want cancelled", before.Status)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ev := []byte(`{"id":"pay1","orderId":"` + fuzzOrderHex + `","stripeId":"ch_1"}`)
	if ack := bus.Dispatch(ctx, log, listener.PaymentCreated(svc, log), ev, 1, false, time.Second); !ack {
		t.Fatal("payment of a cancelled order not acked")
	}
	if after, _ := s.Get(ctx, fuzzOrderID); after != before {
		t.Errorf("order %+v became %+v", before, after)
	}
	if evs := s.Events(); len(evs) != 0 {
		t.Errorf("published %v, want nothing", evs)
	}
	line := logs.String()
	for _, want := range []string{`"level":"WARN"`, listener.PaidAfterCancelLog, `"order_id":"` + fuzzOrderHex + `"`, `"stripe_id":"ch_1"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log %s lacks %s", line, want)
		}
	}
	if strings.Contains(line, "refund needed") {
		t.Errorf("log %s asks an operator for a refund that payments makes", line)
	}
}

// The event decoders under fuzzing: any message data, run through
// bus.Dispatch as a delivery is, either applies the event as SPEC §8 says
// or changes nothing; never a panic. The stores are in memory.

var fuzzLog = slog.New(slog.DiscardHandler)

const fuzzTicketHex, fuzzOrderHex = "0123456789abcdef01234567", "89abcdef0123456789abcdef"

var (
	fuzzTicketID, _ = bson.ObjectIDFromHex(fuzzTicketHex)
	fuzzOrderID, _  = bson.ObjectIDFromHex(fuzzOrderHex)
)

// replica returns a ticket store holding the fuzz ticket at version 3, or
// empty.
func replica(present bool) *ordertest.Tickets {
	s := &ordertest.Tickets{}
	if present {
		s.Put(ticket.Ticket{ID: fuzzTicketID, Title: "a", Price: 10, Version: 3})
	}
	return s
}

// replicaCase is one fuzzed delivery of a ticket event to the replica.
type replicaCase[E events.Event] struct {
	data          []byte
	present       bool          // the replica held the fuzz ticket before
	before, after ticket.Ticket // the fuzz ticket in the replica
	found         bool          // the fuzz ticket is in the replica after
	event         E             // what data decodes to
	decoded       bool          // data decoded without an error
}

// fuzzReplica fuzzes the handler of a ticket event, on a replica holding
// the fuzz ticket or not, seeded with ticket events; check judges each
// delivery.
func fuzzReplica[E events.Event](f *testing.F, handler func(ticket.Store, *slog.Logger) bus.Handler[E], check func(*testing.T, replicaCase[E])) {
	for _, data := range []string{
		`{"id":"` + fuzzTicketHex + `","version":0,"title":"t","price":1.5,"userId":"u"}`,
		`{"id":"` + fuzzTicketHex + `","version":4,"title":"t","price":1.5,"userId":"u","orderId":"o"}`,
		`{"id":"` + fuzzTicketHex + `","version":3,"title":"t","price":2}`,
		`{"id":"` + fuzzTicketHex + `","version":9223372036854775807,"title":"t","price":2}`,
		`{"id":"` + fuzzTicketHex + `","version":-1,"title":"t","price":-2}`,
		`{"id":"` + fuzzTicketHex + `","version":1.5}`,
		`{"id":"` + fuzzTicketHex + `","price":1e400}`,
		`{"id":"nope","version":0}`, `{"id":5}`, `[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(data), false)
		f.Add([]byte(data), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, present bool) {
		s := replica(present)
		before, _ := s.Get(context.Background(), fuzzTicketID)
		bus.Dispatch(context.Background(), fuzzLog, handler(s, fuzzLog), data, 1, false, time.Second)
		c := replicaCase[E]{data: data, present: present, before: before}
		c.decoded = json.Unmarshal(data, &c.event) == nil
		var err error
		c.after, err = s.Get(context.Background(), fuzzTicketID)
		c.found = err == nil
		check(t, c)
	})
}

func FuzzTicketCreated(f *testing.F) {
	fuzzReplica(f, listener.TicketCreated, func(t *testing.T, c replicaCase[events.TicketCreated]) {
		e := c.event
		switch {
		case c.present && c.after != c.before:
			t.Fatalf("existing replica %+v became %+v", c.before, c.after)
		case !c.present && c.found && (!c.decoded || strings.ToLower(e.ID) != fuzzTicketHex ||
			c.after != (ticket.Ticket{ID: fuzzTicketID, Title: e.Title, Price: e.Price, Version: e.Version})):
			t.Fatalf("replica %+v created from %s", c.after, c.data)
		}
	})
}

func FuzzTicketUpdated(f *testing.F) {
	fuzzReplica(f, listener.TicketUpdated, func(t *testing.T, c replicaCase[events.TicketUpdated]) {
		before, after, e := c.before, c.after, c.event
		if after != before && (after.Version != before.Version+1 || after.Version != e.Version || after.Title != e.Title || after.Price != e.Price) {
			t.Fatalf("replica %+v became %+v on %s", before, after, c.data)
		}
	})
}

var statuses = []events.OrderStatus{events.StatusCreated, events.StatusAwaitingPayment, events.StatusComplete, events.StatusCancelled}

// orders returns a service whose store holds the fuzz order at version 2
// in one of the four statuses.
func orders(status uint8) (*order.Service, *ordertest.Store, order.Order) {
	o := order.Order{ID: fuzzOrderID, UserID: "u", Status: statuses[int(status)%len(statuses)], Version: 2,
		ExpiresAt: time.Now(), Ticket: ticket.Ticket{ID: fuzzTicketID, Title: "a", Price: 10}}
	s := &ordertest.Store{}
	s.Put(o)
	return &order.Service{Orders: s, Tickets: replica(true), Window: time.Minute}, s, o
}

func orderSeeds(f *testing.F, data ...string) {
	for _, d := range append(data, `{"orderId":"nope"}`, `{"orderId":5}`, `{"orderId":"`+bson.NewObjectID().Hex()+`"}`, `[]`, `null`, ``, `{`) {
		for status := range uint8(len(statuses)) {
			f.Add([]byte(d), status)
		}
	}
}

func FuzzExpirationComplete(f *testing.F) {
	orderSeeds(f, `{"orderId":"`+fuzzOrderHex+`"}`)
	f.Fuzz(func(t *testing.T, data []byte, status uint8) {
		svc, s, before := orders(status)
		bus.Dispatch(context.Background(), fuzzLog, listener.ExpirationComplete(svc, fuzzLog), data, 1, false, time.Second)
		after, _ := s.Get(context.Background(), fuzzOrderID)
		if after == before {
			if len(s.Events()) != 0 {
				t.Fatalf("events %v without a change", s.Events())
			}
			return
		}
		want := before
		want.Status, want.Version = events.StatusCancelled, before.Version+1
		if !before.Status.Reserves() || before.Status == events.StatusComplete || after != want || len(s.Events()) != 1 {
			t.Fatalf("order %+v became %+v with events %v on %s", before, after, s.Events(), data)
		}
	})
}

func FuzzPaymentCreated(f *testing.F) {
	orderSeeds(f, `{"id":"p1","orderId":"`+fuzzOrderHex+`","stripeId":"ch_1"}`)
	f.Fuzz(func(t *testing.T, data []byte, status uint8) {
		svc, s, before := orders(status)
		bus.Dispatch(context.Background(), fuzzLog, listener.PaymentCreated(svc, fuzzLog), data, 1, false, time.Second)
		after, _ := s.Get(context.Background(), fuzzOrderID)
		if after == before {
			return
		}
		want := before
		want.Status, want.Version = events.StatusComplete, before.Version+1
		if before.Status == events.StatusCancelled || before.Status == events.StatusComplete || after != want {
			t.Fatalf("order %+v became %+v on %s", before, after, data)
		}
	})
}
