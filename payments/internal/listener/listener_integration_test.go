//go:build integration

package listener_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/payment/paymenttest"
)

var (
	ctx     = context.Background()
	discard = slog.New(slog.DiscardHandler)
)

func orderCreated(id bson.ObjectID) events.OrderCreated {
	return events.OrderCreated{
		ID: id.Hex(), Version: 0, Status: events.StatusCreated, UserID: "u1",
		ExpiresAt: time.Now().Add(15 * time.Minute), Ticket: events.OrderTicket{ID: bson.NewObjectID().Hex(), Price: 19.99},
	}
}

// Cases 5–6: order:created replicates the order (its price) and acks.
func TestOrderCreated(t *testing.T) {
	t.Parallel()
	orders := mongostore.NewOrders(testenv.Mongo(t))
	h := listener.OrderCreated(orders)
	id := bson.NewObjectID()
	e := orderCreated(id)
	for _, delivery := range []string{"first", "redelivered"} {
		if err := h(ctx, e); err != nil {
			t.Fatalf("%s delivery: not acked: %v", delivery, err)
		}
	}
	got, err := orders.Get(ctx, id)
	want := payment.Order{ID: id, Version: 0, UserID: "u1", Price: 19.99, Status: events.StatusCreated, ExpiresAt: got.ExpiresAt}
	if !got.ExpiresAt.Equal(e.ExpiresAt.Truncate(time.Millisecond)) { // MongoDB keeps milliseconds
		t.Errorf("replica expires at %v, want the event's %v", got.ExpiresAt, e.ExpiresAt)
	}
	if err != nil || got != want {
		t.Fatalf("replica = %+v, %v; want %+v", got, err, want)
	}
	// A message that cannot be an order is acked, not retried forever.
	if !bus.Dispatch(ctx, discard, h, []byte(`{"id":"nope"}`), 1, false, time.Second) {
		t.Error("bad id: not acked")
	}
	if !bus.Dispatch(ctx, discard, h, []byte(`{"id":`), 1, false, time.Second) {
		t.Error("undecodable message not acked")
	}
}

// Cases 7–8: order:cancelled (version 1 onto version 0) marks the order
// cancelled and acks; out of order it waits.
func TestOrderCancelled(t *testing.T) {
	t.Parallel()
	orders := mongostore.NewOrders(testenv.Mongo(t))
	created, cancelled := listener.OrderCreated(orders), listener.OrderCancelled(&payment.Service{Orders: orders, Payments: &paymenttest.Payments{}, Charger: &paymenttest.Charger{}})
	id := bson.NewObjectID()
	e := events.OrderCancelled{ID: id.Hex(), Version: 1, Ticket: events.TicketRef{ID: bson.NewObjectID().Hex()}}

	if err := cancelled(ctx, e); err == nil {
		t.Fatal("order:cancelled before order:created acked; want it redelivered")
	}
	if err := created(ctx, orderCreated(id)); err != nil {
		t.Fatal(err)
	}
	if err := cancelled(ctx, events.OrderCancelled{ID: id.Hex(), Version: 2}); err == nil {
		t.Fatal("order:cancelled version 2 onto version 0 acked; want it redelivered")
	}
	if err := cancelled(ctx, e); err != nil {
		t.Fatalf("order:cancelled version 1 onto 0: not acked: %v", err)
	}
	got, err := orders.Get(ctx, id)
	if err != nil || got.Status != events.StatusCancelled || got.Version != 1 {
		t.Fatalf("replica = %+v, %v; want cancelled at version 1", got, err)
	}
	if err := cancelled(ctx, e); err != nil {
		t.Errorf("redelivered order:cancelled: not acked: %v", err)
	}
}

// An order:cancelled racing its order:created is either applied or not
// acked, never acked unapplied.
func TestOrderCancelledRacingCreated(t *testing.T) {
	t.Parallel()
	orders := mongostore.NewOrders(testenv.Mongo(t))
	created, cancelled := listener.OrderCreated(orders), listener.OrderCancelled(&payment.Service{Orders: orders, Payments: &paymenttest.Payments{}, Charger: &paymenttest.Charger{}})
	for range 20 {
		id := bson.NewObjectID()
		errc := make(chan error, 1)
		go func() { errc <- cancelled(ctx, events.OrderCancelled{ID: id.Hex(), Version: 1}) }()
		if err := created(ctx, orderCreated(id)); err != nil {
			t.Fatal(err)
		}
		acked := <-errc == nil
		got, err := orders.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if applied := got.Status == events.StatusCancelled; acked && !applied {
			t.Fatalf("order:cancelled acked but the replica is %+v", got)
		}
	}
}
