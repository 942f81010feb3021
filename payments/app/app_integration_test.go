//go:build integration

package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/payments/app"
	"github.com/gittix/ticketing/payments/internal/mongostore"
)

var key = []byte("payments-app-test-key-0123456789abcdef")

// TestService runs the whole service (app.Run) on the real servers: the
// replica fed from NATS, a payment over HTTP charged at stripe-mock, its
// payment:created on the channel, and a graceful stop.
func TestService(t *testing.T) {
	db := testenv.Mongo(t)
	env := serviceEnv(t, db)
	base, svc := testenv.StartService(t, app.Run, env)

	conn := bustest.Connect(t, env["NATS_URL"], env["NATS_CLUSTER_ID"])
	paid := bustest.Record[events.PaymentCreated](t, conn)
	orders := mongostore.NewOrders(db)
	buyer := auth.User{ID: "buyer-" + bson.NewObjectID().Hex(), Email: "b@test.dev"}

	// An order to pay and an order that gets cancelled, from orders' events.
	toPay, toCancel := bson.NewObjectID(), bson.NewObjectID()
	for _, id := range []bson.ObjectID{toPay, toCancel} {
		publish(t, conn, events.OrderCreated{
			ID: id.Hex(), Status: events.StatusCreated, UserID: buyer.ID, ExpiresAt: time.Now().Add(15 * time.Minute),
			Ticket: events.OrderTicket{ID: bson.NewObjectID().Hex(), Price: 19.99},
		})
	}
	bustest.Eventually(t, "orders replicated", func() bool {
		o, err1 := orders.Get(t.Context(), toPay)
		c, err2 := orders.Get(t.Context(), toCancel)
		return err1 == nil && err2 == nil && o.Price == 19.99 && c.UserID == buyer.ID
	})
	publish(t, conn, events.OrderCancelled{ID: toCancel.Hex(), Version: 1, Ticket: events.TicketRef{ID: bson.NewObjectID().Hex()}})
	bustest.Eventually(t, "order cancelled", func() bool {
		c, err := orders.Get(t.Context(), toCancel)
		return err == nil && c.Status == events.StatusCancelled && c.Version == 1
	})

	if code, body := pay(t, base, buyer, toCancel); code != http.StatusBadRequest || !strings.Contains(body, "Cannot pay for a cancelled order") {
		t.Errorf("pay cancelled order = %d %s, want 400 Cannot pay for a cancelled order", code, body)
	}
	code, body := pay(t, base, buyer, toPay)
	if code != http.StatusCreated {
		t.Fatalf("pay = %d %s, want 201", code, body)
	}
	got := paid.Wait(t, 1, func(e events.PaymentCreated) bool { return e.OrderID == toPay.Hex() })[0]
	if !strings.Contains(body, `"id":"`+got.ID+`"`) || got.StripeID == "" {
		t.Errorf("payment:created %+v does not match the answer %s", got, body)
	}
	if code, body := pay(t, base, buyer, toPay); code != http.StatusBadRequest || !strings.Contains(body, "Order is already paid") {
		t.Errorf("pay again = %d %s, want 400 Order is already paid", code, body)
	}

	svc.Stop(t, 15*time.Second)
	if get(t, base+"/healthz") != 0 {
		t.Error("service still answering after a graceful stop")
	}
}

func TestServiceConfig(t *testing.T) {
	t.Parallel()
	err := app.Run(context.Background(), slog.New(slog.DiscardHandler), func(string) string { return "" })
	if err == nil {
		t.Fatal("Run without configuration: no error")
	}
	for _, name := range []string{"JWT_KEY", "MONGO_URI", "NATS_URL", "STRIPE_KEY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

// TestServiceRefundsACancelledPaidOrder: an order paid before its
// order:cancelled arrives is refunded at stripe-mock, and the service
// publishes payment:refunded on the channel.
func TestServiceRefundsACancelledPaidOrder(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	env := serviceEnv(t, db)
	base := testenv.RunService(t, app.Run, env)

	conn := bustest.Connect(t, env["NATS_URL"], env["NATS_CLUSTER_ID"])
	paid := bustest.Record[events.PaymentCreated](t, conn)
	refunded := bustest.Record[events.PaymentRefunded](t, conn)
	orders := mongostore.NewOrders(db)
	buyer := auth.User{ID: "buyer-" + bson.NewObjectID().Hex(), Email: "b@test.dev"}
	id := bson.NewObjectID()
	publish(t, conn, events.OrderCreated{
		ID: id.Hex(), Status: events.StatusCreated, UserID: buyer.ID, ExpiresAt: time.Now().Add(15 * time.Minute),
		Ticket: events.OrderTicket{ID: bson.NewObjectID().Hex(), Price: 5},
	})
	bustest.Eventually(t, "order replicated", func() bool { _, err := orders.Get(context.Background(), id); return err == nil })
	if code, body := pay(t, base, buyer, id); code != http.StatusCreated {
		t.Fatalf("pay = %d %s, want 201", code, body)
	}
	charge := paid.Wait(t, 1, func(e events.PaymentCreated) bool { return e.OrderID == id.Hex() })[0]

	publish(t, conn, events.OrderCancelled{ID: id.Hex(), Version: 1, Ticket: events.TicketRef{ID: bson.NewObjectID().Hex()}})
	got := refunded.Wait(t, 1, func(e events.PaymentRefunded) bool { return e.OrderID == id.Hex() })[0]
	if got.ID != charge.ID || got.StripeID != charge.StripeID || got.RefundID == "" {
		t.Errorf("payment:refunded %+v, want the refund of payment:created %+v", got, charge)
	}
}

// serviceEnv is the environment of the service on the test stack, with
// database db, charging at stripe-mock.
func serviceEnv(t *testing.T, db *mongo.Database) map[string]string {
	t.Helper()
	env := testenv.ServiceEnv(t, string(key), db)
	env["STRIPE_KEY"], env["STRIPE_API_BASE"] = "sk_test_123", testenv.StripeBase(t)
	return env
}

func publish(t *testing.T, conn *bus.Conn, e events.Event) {
	t.Helper()
	if err := bus.PublishEvent(context.Background(), conn, e); err != nil {
		t.Fatalf("publish %s: %v", e.Subject(), err)
	}
}

func pay(t *testing.T, base string, u auth.User, orderID bson.ObjectID) (int, string) {
	t.Helper()
	return testenv.Request(t, http.MethodPost, base+"/api/payments",
		`{"token":"tok_visa","orderId":"`+orderID.Hex()+`"}`, authtest.Cookie(t, key, u))
}

func get(t *testing.T, u string) int {
	t.Helper()
	code, _ := testenv.Request(t, http.MethodGet, u, "", nil)
	return code
}
