//go:build integration

package listener_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// The listeners on the real MongoDB (FerretDB), their ticket:updated
// published by the outbox relay to the real NATS Streaming and read back
// from the channel.

type env struct {
	store   *mongostore.Store
	conn    *bus.Conn
	updated *bustest.Recorder[rawUpdated]
}

// rawUpdated is ticket:updated decoded into a map, to check the exact set
// of fields on the wire.
type rawUpdated map[string]any

func (rawUpdated) Subject() events.Subject { return events.SubjectTicketUpdated }

func newEnv(t *testing.T) *env {
	t.Helper()
	b := testenv.NewBackends(t)
	relay := b.Relay("tickets")
	testenv.Background(t, relay.Run)
	return &env{store: mongostore.New(b.DB.Collection("tickets"), relay), conn: b.Conn, updated: bustest.Record[rawUpdated](t, b.Conn)}
}

func (e *env) ticket(t *testing.T, orderID string) ticket.Ticket {
	t.Helper()
	tk, err := e.store.Create(t.Context(), ticket.Ticket{Title: "concert", Price: 2050, UserID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if orderID != "" {
		tk.OrderID = orderID
		if tk, err = e.store.Save(t.Context(), tk); err != nil {
			t.Fatal(err)
		}
	}
	return tk
}

func (e *env) get(t *testing.T, id bson.ObjectID) ticket.Ticket {
	t.Helper()
	tk, err := e.store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// events waits for n ticket:updated of tk on the channel.
func (e *env) events(t *testing.T, tk ticket.Ticket, n int) []rawUpdated {
	t.Helper()
	return e.updated.Wait(t, n, func(ev rawUpdated) bool { return ev["id"] == tk.ID.Hex() })
}

// deliver runs h on ev's wire bytes as the listener does and reports
// whether the message is acked.
func deliver[E events.Event](t *testing.T, h bus.Handler[E], ev E) bool {
	t.Helper()
	data, err := events.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return bus.Dispatch(t.Context(), discard, h, data, 1, false, 5*time.Second)
}

func orderCreated(orderID string, tk ticket.Ticket) events.OrderCreated {
	return events.OrderCreated{
		ID: orderID, Version: 0, Status: events.StatusCreated, UserID: "buyer",
		ExpiresAt: time.Now().Add(15 * time.Minute), Ticket: events.OrderTicket{ID: tk.ID.Hex(), Price: tk.Price.Dollars()},
	}
}

func orderCancelled(orderID string, tk ticket.Ticket) events.OrderCancelled {
	return events.OrderCancelled{ID: orderID, Version: 1, Ticket: events.TicketRef{ID: tk.ID.Hex()}}
}

// 20. order:cancelled clears orderId, publishes ticket:updated without
// orderId, and acks.
func TestOrderCancelledReleases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	orderID := bson.NewObjectID().Hex()
	tk := e.ticket(t, orderID)
	if !deliver(t, listener.OrderCancelled(e.store, discard), orderCancelled(orderID, tk)) {
		t.Fatal("order:cancelled not acked")
	}
	if got := e.get(t, tk.ID); got.OrderID != "" || got.Version != 2 {
		t.Errorf("after order:cancelled: orderId %q version %d, want none and 2", got.OrderID, got.Version)
	}
	got := e.events(t, tk, 2)
	want := rawUpdated{"id": tk.ID.Hex(), "version": 2.0, "title": "concert", "price": 20.5, "userId": "u1"}
	if diff := cmp.Diff(want, got[1]); diff != "" {
		t.Errorf("ticket:updated on the wire (-want +got):\n%s", diff)
	}
}

// 21–23. order:created sets orderId and acks, and publishes ticket:updated
// with that orderId.
func TestOrderCreatedReserves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.ticket(t, "")
	orderID := bson.NewObjectID().Hex()
	if !deliver(t, listener.OrderCreated(e.store, discard), orderCreated(orderID, tk)) { // 22
		t.Fatal("order:created not acked")
	}
	if got := e.get(t, tk.ID); got.OrderID != orderID || got.Version != 1 { // 21
		t.Errorf("after order:created: orderId %q version %d, want %q and 1", got.OrderID, got.Version, orderID)
	}
	got := e.events(t, tk, 1) // 23
	want := rawUpdated{"id": tk.ID.Hex(), "version": 1.0, "title": "concert", "price": 20.5, "userId": "u1", "orderId": orderID}
	if diff := cmp.Diff([]rawUpdated{want}, got); diff != "" {
		t.Errorf("ticket:updated on the wire (-want +got):\n%s", diff)
	}
}

// Redelivered events change nothing and publish nothing a second time.
// The ticket's events are published in order, so once the last one is on
// the channel, a duplicate would be there too.
func TestRedeliveriesAreIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.ticket(t, "")
	orderID := bson.NewObjectID().Hex()
	created, cancelled := listener.OrderCreated(e.store, discard), listener.OrderCancelled(e.store, discard)

	for i := range 3 {
		if !deliver(t, created, orderCreated(orderID, tk)) {
			t.Fatalf("order:created delivery %d not acked", i+1)
		}
	}
	if got := e.get(t, tk.ID); got.Version != 1 {
		t.Errorf("after 3 order:created: version %d, want 1", got.Version)
	}
	for i := range 3 {
		if !deliver(t, cancelled, orderCancelled(orderID, tk)) {
			t.Fatalf("order:cancelled delivery %d not acked", i+1)
		}
	}
	if got := e.get(t, tk.ID); got.Version != 2 || got.OrderID != "" {
		t.Errorf("after 3 order:cancelled: %+v, want version 2, unreserved", got)
	}
	// A sentinel change, published after anything the redeliveries could have recorded.
	tk = e.get(t, tk.ID)
	tk.Title = "sentinel"
	if _, err := e.store.Save(t.Context(), tk); err != nil {
		t.Fatal(err)
	}
	e.updated.Wait(t, 1, func(ev rawUpdated) bool { return ev["id"] == tk.ID.Hex() && ev["title"] == "sentinel" })
	var versions []float64
	for _, ev := range e.updated.All(func(ev rawUpdated) bool { return ev["id"] == tk.ID.Hex() }) {
		versions = append(versions, ev["version"].(float64))
	}
	if diff := cmp.Diff([]float64{1, 2, 3}, versions); diff != "" {
		t.Errorf("ticket:updated versions (-want +got):\n%s", diff)
	}
}

func TestUnappliedEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	holder := bson.NewObjectID().Hex()
	other := bson.NewObjectID().Hex()
	tests := []struct {
		name    string
		deliver func(t *testing.T, tk ticket.Ticket) bool
		unknown bool
		wantAck bool
	}{
		{"order:created for an unknown ticket is not acked", func(t *testing.T, tk ticket.Ticket) bool {
			return deliver(t, listener.OrderCreated(e.store, discard), orderCreated(other, tk))
		}, true, false},
		{"order:cancelled for an unknown ticket is not acked", func(t *testing.T, tk ticket.Ticket) bool {
			return deliver(t, listener.OrderCancelled(e.store, discard), orderCancelled(other, tk))
		}, true, false},
		{"order:created for a ticket held by another order is not acked until that order's cancellation", func(t *testing.T, tk ticket.Ticket) bool {
			return deliver(t, listener.OrderCreated(e.store, discard), orderCreated(other, tk))
		}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tk := ticket.Ticket{ID: bson.NewObjectID()}
			if !tt.unknown {
				tk = e.ticket(t, holder)
			}
			if got := tt.deliver(t, tk); got != tt.wantAck {
				t.Fatalf("acked = %v, want %v", got, tt.wantAck)
			}
			if tt.unknown {
				return
			}
			if got := e.get(t, tk.ID); !cmp.Equal(got, tk) {
				t.Errorf("ticket changed to %+v, want %+v", got, tk)
			}
		})
	}
}

// The bug fixed here: an order:created processed after its order's
// order:cancelled (redelivered after a version conflict, or after a lost
// ack) reserved the ticket for a cancelled order, and nothing was left to
// release it. Now the cancellation is remembered on the ticket, and the
// late order:created is acked and ignored — also when it is redelivered
// again and again.
func TestLateOrderCreatedOfACancelledOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created, cancelled := listener.OrderCreated(e.store, discard), listener.OrderCancelled(e.store, discard)
	tests := []struct {
		name   string
		events []string
	}{
		{"cancel before created", []string{"cancelled", "created", "created"}},
		{"created redelivered after the release", []string{"created", "cancelled", "created", "cancelled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tk := e.ticket(t, "")
			orderID := bson.NewObjectID().Hex()
			for i, ev := range tt.events {
				var acked bool
				if ev == "created" {
					acked = deliver(t, created, orderCreated(orderID, tk))
				} else {
					acked = deliver(t, cancelled, orderCancelled(orderID, tk))
				}
				if !acked {
					t.Fatalf("delivery %d (order:%s) not acked", i+1, ev)
				}
			}
			got := e.get(t, tk.ID)
			if got.Reserved() || !got.Cancelled(orderID) {
				t.Errorf("ticket %+v, want free with %s remembered as cancelled", got, orderID)
			}
			// The replicas hear every change: the last ticket:updated on the
			// channel is the final state, without orderId.
			evs := e.events(t, tk, int(got.Version))
			last := evs[len(evs)-1]
			if _, held := last["orderId"]; held || last["version"] != float64(got.Version) {
				t.Errorf("last ticket:updated %v, want version %d without orderId", last, got.Version)
			}
		})
	}
}

// The next order of a ticket reaches tickets before the cancellation of the
// order that held it: not acked until that cancellation is applied, then
// it reserves the ticket.
func TestNextOrderAfterTheRelease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, next := bson.NewObjectID().Hex(), bson.NewObjectID().Hex()
	tk := e.ticket(t, first)
	created, cancelled := listener.OrderCreated(e.store, discard), listener.OrderCancelled(e.store, discard)
	if deliver(t, created, orderCreated(next, tk)) {
		t.Fatal("order:created of the next order acked while the first holds the ticket")
	}
	if !deliver(t, cancelled, orderCancelled(first, tk)) {
		t.Fatal("order:cancelled of the first order not acked")
	}
	if !deliver(t, created, orderCreated(next, tk)) {
		t.Fatal("redelivered order:created of the next order not acked")
	}
	if got := e.get(t, tk.ID); got.OrderID != next || got.Version != 3 {
		t.Errorf("ticket held by %q at version %d, want %s at 3", got.OrderID, got.Version, next)
	}
}

// End to end on the channels: the listeners subscribed to order:created
// and order:cancelled, the events published to NATS Streaming.
func TestListenersOnTheChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.ticket(t, "")
	orderID := bson.NewObjectID().Hex()

	// The channels are shared with other tests (and services): this test's
	// listeners get a queue group of their own and ack other tests' events
	// without handling them.
	group := "tickets-service-test-" + bson.NewObjectID().Hex()
	lc := bus.ListenerConfig{QueueGroup: group, AckWait: time.Second}
	conn := e.conn
	if err := bus.Listen(conn, lc, discard, onlyTicket(tk, func(e events.OrderCreated) string { return e.Ticket.ID }, listener.OrderCreated(e.store, discard))); err != nil {
		t.Fatal(err)
	}
	if err := bus.Listen(conn, lc, discard, onlyTicket(tk, func(e events.OrderCancelled) string { return e.Ticket.ID }, listener.OrderCancelled(e.store, discard))); err != nil {
		t.Fatal(err)
	}

	if err := bus.PublishEvent(t.Context(), conn, orderCreated(orderID, tk)); err != nil {
		t.Fatal(err)
	}
	got := e.events(t, tk, 1)
	if got[0]["orderId"] != orderID {
		t.Fatalf("ticket:updated %v, want orderId %s", got[0], orderID)
	}
	if err := bus.PublishEvent(t.Context(), conn, orderCancelled(orderID, tk)); err != nil {
		t.Fatal(err)
	}
	got = e.events(t, tk, 2)
	if _, ok := got[1]["orderId"]; ok || got[1]["version"] != 2.0 {
		t.Fatalf("second ticket:updated %v, want version 2 without orderId", got[1])
	}
	if final := e.get(t, tk.ID); final.OrderID != "" || final.Version != 2 {
		t.Errorf("final ticket %+v, want unreserved at version 2", final)
	}
}

// onlyTicket runs h for the events of tk and acks the others.
func onlyTicket[E events.Event](tk ticket.Ticket, ticketID func(E) string, h bus.Handler[E]) bus.Handler[E] {
	return func(ctx context.Context, e E) error {
		if ticketID(e) != tk.ID.Hex() {
			return nil
		}
		return h(ctx, e)
	}
}
