//go:build integration

package listener_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/orders/internal/listener"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

var discard = slog.New(slog.DiscardHandler)

// env is the listeners' world on a fresh database of the real MongoDB
// (FerretDB), with the outbox relay publishing to the real NATS Streaming.
// The handlers are called directly: a returned error means "not acked".
type env struct {
	db      *mongo.Database
	conn    *bus.Conn
	svc     *order.Service
	tickets *mongostore.Tickets
}

func newEnv(t *testing.T) *env {
	t.Helper()
	b := testenv.NewBackends(t)
	relay := b.Relay("orders")
	orders, err := mongostore.NewOrders(context.Background(), b.DB.Collection("orders"), relay)
	if err != nil {
		t.Fatalf("NewOrders: %v", err)
	}
	testenv.Background(t, relay.Run)
	tickets := mongostore.NewTickets(b.DB)
	return &env{db: b.DB, conn: b.Conn, tickets: tickets,
		svc: &order.Service{Orders: orders, Tickets: tickets, Window: time.Minute}}
}

func (e *env) getTicket(t *testing.T, id bson.ObjectID) ticket.Ticket {
	t.Helper()
	tk, err := e.tickets.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get ticket: %v", err)
	}
	return tk
}

func (e *env) getOrder(t *testing.T, id bson.ObjectID) order.Order {
	t.Helper()
	o, err := e.svc.Orders.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get order: %v", err)
	}
	return o
}

// place creates a ticket replica and an order of it.
func (e *env) place(t *testing.T, userID string) order.Order {
	t.Helper()
	ctx := context.Background()
	tk := ticket.Ticket{ID: bson.NewObjectID(), Title: "concert", Price: 20}
	if err := e.tickets.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	o, err := e.svc.Place(ctx, userID, tk.ID)
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	return o
}

func TestTicketCreated(t *testing.T) { // cases 10, 11
	t.Parallel()
	e := newEnv(t)
	h := listener.TicketCreated(e.tickets, discard)
	id := bson.NewObjectID()
	ev := events.TicketCreated{ID: id.Hex(), Version: 0, Title: "concert", Price: 20.25, UserID: "seller"}

	if err := h(context.Background(), ev); err != nil {
		t.Fatalf("handler: %v (not acked)", err)
	}
	want := ticket.Ticket{ID: id, Title: "concert", Price: 20.25, Version: 0}
	if diff := cmp.Diff(want, e.getTicket(t, id)); diff != "" {
		t.Errorf("replica (-want +got):\n%s", diff)
	}

	// A redelivery is acked and changes nothing.
	dup := ev
	dup.Title = "changed"
	if err := h(context.Background(), dup); err != nil {
		t.Fatalf("redelivery: %v (not acked)", err)
	}
	if diff := cmp.Diff(want, e.getTicket(t, id)); diff != "" {
		t.Errorf("replica after redelivery (-want +got):\n%s", diff)
	}

	// A malformed id cannot be mended by a redelivery: acked.
	if err := h(context.Background(), events.TicketCreated{ID: "nope", Title: "x", Price: 1}); !acked(err) {
		t.Errorf("malformed id: %v (not acked)", err)
	}
}

func TestTicketUpdated(t *testing.T) { // cases 12, 13, 14
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	created := listener.TicketCreated(e.tickets, discard)
	updated := listener.TicketUpdated(e.tickets, discard)
	id := bson.NewObjectID()
	if err := created(ctx, events.TicketCreated{ID: id.Hex(), Title: "concert", Price: 20, UserID: "s"}); err != nil {
		t.Fatal(err)
	}
	v := func(version int64, title string, price float64) events.TicketUpdated {
		return events.TicketUpdated{ID: id.Hex(), Version: version, Title: title, Price: price, UserID: "s"}
	}
	steps := []struct {
		name    string
		ev      events.TicketUpdated
		wantErr bool // not acked
		want    ticket.Ticket
	}{
		{"v2 before v1 is not acked", v(2, "two", 22), true, ticket.Ticket{ID: id, Title: "concert", Price: 20, Version: 0}},
		{"v1 applies", v(1, "one", 21), false, ticket.Ticket{ID: id, Title: "one", Price: 21, Version: 1}},
		{"v2 redelivered applies", v(2, "two", 22), false, ticket.Ticket{ID: id, Title: "two", Price: 22, Version: 2}},
		{"v1 again is acked and ignored", v(1, "one", 21), false, ticket.Ticket{ID: id, Title: "two", Price: 22, Version: 2}},
		{"v2 again is acked and ignored", v(2, "other", 99), false, ticket.Ticket{ID: id, Title: "two", Price: 22, Version: 2}},
		{"v4 skips v3: not acked", v(4, "four", 44), true, ticket.Ticket{ID: id, Title: "two", Price: 22, Version: 2}},
		{"v3 applies", v(3, "three", 33), false, ticket.Ticket{ID: id, Title: "three", Price: 33, Version: 3}},
	}
	for _, s := range steps { // in order: each step depends on the one before
		err := updated(ctx, s.ev)
		if got := err != nil; got != s.wantErr {
			t.Fatalf("%s: handler error = %v, want error %v", s.name, err, s.wantErr)
		}
		if diff := cmp.Diff(s.want, e.getTicket(t, id)); diff != "" {
			t.Fatalf("%s: replica (-want +got):\n%s", s.name, diff)
		}
	}

	// An update of a ticket not replicated yet waits for its ticket:created.
	if err := updated(ctx, events.TicketUpdated{ID: bson.NewObjectID().Hex(), Version: 1, Title: "x", Price: 1}); err == nil {
		t.Errorf("update of an unknown ticket was acked")
	}
	if err := updated(ctx, events.TicketUpdated{ID: "nope", Version: 1}); !acked(err) {
		t.Errorf("malformed id: %v (not acked)", err)
	}
}

func TestExpirationComplete(t *testing.T) { // cases 15, 16, 17
	t.Parallel()
	e := newEnv(t)
	rec := bustest.Record[events.OrderCancelled](t, e.conn)
	h := listener.ExpirationComplete(e.svc, discard)
	ctx := context.Background()
	o := e.place(t, "u1")

	if err := h(ctx, events.ExpirationComplete{OrderID: o.ID.Hex()}); err != nil {
		t.Fatalf("handler: %v (not acked)", err)
	}
	got := e.getOrder(t, o.ID)
	if got.Status != events.StatusCancelled || got.Version != 1 {
		t.Errorf("order = %s v%d, want cancelled v1", got.Status, got.Version)
	}
	mine := func(ev events.OrderCancelled) bool { return ev.ID == o.ID.Hex() }
	want := []events.OrderCancelled{{ID: o.ID.Hex(), Version: 1, Ticket: events.TicketRef{ID: o.Ticket.ID.Hex()}}}
	if diff := cmp.Diff(want, rec.Wait(t, 1, mine)); diff != "" {
		t.Errorf("order:cancelled (-want +got):\n%s", diff)
	}

	// A redelivery is acked and changes nothing. An event is only ever
	// recorded by the write that bumps the version, so an unchanged
	// version means no second order:cancelled.
	bustest.Eventually(t, "outbox emptied", func() bool { return pending(t, e, o.ID) == 0 })
	if err := h(ctx, events.ExpirationComplete{OrderID: o.ID.Hex()}); err != nil {
		t.Fatalf("redelivery: %v (not acked)", err)
	}
	if got := e.getOrder(t, o.ID); got.Version != 1 {
		t.Errorf("version after redelivery = %d, want 1", got.Version)
	}
	if n := pending(t, e, o.ID); n != 0 {
		t.Errorf("redelivery recorded %d event(s), want none", n)
	}
	if got := rec.All(mine); len(got) != 1 {
		t.Errorf("order:cancelled events = %+v, want one", got)
	}

	// The ticket is free again.
	if _, err := e.svc.Place(ctx, "u2", o.Ticket.ID); err != nil {
		t.Errorf("re-order after expiry: %v", err)
	}
}

func TestExpirationLeavesPaidOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	o := e.place(t, "u1")
	if err := listener.PaymentCreated(e.svc, discard)(ctx, events.PaymentCreated{ID: "p1", OrderID: o.ID.Hex(), StripeID: "ch_1"}); err != nil {
		t.Fatal(err)
	}
	if err := listener.ExpirationComplete(e.svc, discard)(ctx, events.ExpirationComplete{OrderID: o.ID.Hex()}); err != nil {
		t.Fatalf("handler: %v (not acked)", err)
	}
	got := e.getOrder(t, o.ID)
	if got.Status != events.StatusComplete || got.Version != 1 {
		t.Errorf("order = %s v%d, want complete v1", got.Status, got.Version)
	}
	if n := pending(t, e, o.ID); n > 1 {
		t.Errorf("pending events = %d, want at most order:created", n)
	}
	// Still reserved: nobody else can order it.
	if _, err := e.svc.Place(ctx, "u2", o.Ticket.ID); !errors.Is(err, order.ErrTicketReserved) {
		t.Errorf("order of a sold ticket: err = %v, want %v", err, order.ErrTicketReserved)
	}
}

func TestExpirationUnknownOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := listener.ExpirationComplete(e.svc, discard)
	for _, id := range []string{bson.NewObjectID().Hex(), "nope"} {
		if err := h(context.Background(), events.ExpirationComplete{OrderID: id}); !acked(err) {
			t.Errorf("order %q: %v (not acked)", id, err)
		}
	}
}

func TestPaymentCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := listener.PaymentCreated(e.svc, discard)
	ctx := context.Background()
	o := e.place(t, "u1")
	ev := events.PaymentCreated{ID: "pay1", OrderID: o.ID.Hex(), StripeID: "ch_1"}

	for _, name := range []string{"first delivery", "redelivery"} {
		if err := h(ctx, ev); err != nil {
			t.Fatalf("%s: %v (not acked)", name, err)
		}
		got := e.getOrder(t, o.ID)
		if got.Status != events.StatusComplete || got.Version != 1 {
			t.Errorf("%s: order = %s v%d, want complete v1", name, got.Status, got.Version)
		}
	}

	// A payment for an order that expired first: acked (logged), not completed.
	late := e.place(t, "u2")
	if _, err := e.svc.Cancel(ctx, late); err != nil {
		t.Fatal(err)
	}
	if err := h(ctx, events.PaymentCreated{ID: "pay2", OrderID: late.ID.Hex()}); err != nil {
		t.Fatalf("payment of a cancelled order: %v (not acked)", err)
	}
	if got := e.getOrder(t, late.ID); got.Status != events.StatusCancelled || got.Version != 1 {
		t.Errorf("cancelled order = %s v%d, want cancelled v1", got.Status, got.Version)
	}
	if err := h(ctx, events.PaymentCreated{ID: "pay3", OrderID: bson.NewObjectID().Hex()}); !acked(err) {
		t.Errorf("unknown order: %v (not acked)", err)
	}
}

// TestCancelRace: concurrent cancels of one order (a user's DELETE and its
// expiration, redelivered) publish one order:cancelled.
func TestCancelRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := listener.ExpirationComplete(e.svc, discard)
	ctx := context.Background()
	o := e.place(t, "u1")
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			if _, err := e.svc.Cancel(ctx, o); err != nil {
				errs <- err
				return
			}
			errs <- h(ctx, events.ExpirationComplete{OrderID: o.ID.Hex()})
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Errorf("cancel: %v", err)
		}
	}
	if got := e.getOrder(t, o.ID); got.Status != events.StatusCancelled || got.Version != 1 {
		t.Errorf("order = %s v%d, want cancelled v1", got.Status, got.Version)
	}
}

// acked reports whether bus.Dispatch acks a message whose handler
// returned err: nil, or a drop (logged and acked).
func acked(err error) bool { return err == nil || errors.Is(err, bus.ErrDrop) }

// pending returns the number of events still waiting in order id's outbox.
func pending(t *testing.T, e *env, id bson.ObjectID) int {
	t.Helper()
	var doc struct {
		Outbox []bson.RawValue `bson:"outbox"`
	}
	if err := e.db.Collection("orders").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return len(doc.Outbox)
}
