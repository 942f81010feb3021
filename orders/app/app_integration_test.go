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

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/orders/app"
)

// TestRun runs the whole service against the real servers: it hears
// ticket:created on NATS, reserves through HTTP, publishes order:created,
// hears expiration:complete and payment:created, and shuts down on cancel.
func TestRun(t *testing.T) {
	t.Parallel()
	key := "app-test-key-0123456789abcdef0123"
	env := testenv.ServiceEnv(t, key, testenv.Mongo(t))
	env["EXPIRATION_WINDOW_SECONDS"] = "60"
	base := testenv.RunService(t, app.Run, env)
	if got := status(t, http.MethodGet, base+"/healthz", "", nil); got != http.StatusOK {
		t.Errorf("healthz = %d, want 200", got)
	}

	conn := bustest.Connect(t, env["NATS_URL"], env["NATS_CLUSTER_ID"])
	created := bustest.Record[events.OrderCreated](t, conn)
	cancelled := bustest.Record[events.OrderCancelled](t, conn)
	ticketID := bson.NewObjectID().Hex()
	publish(t, conn, events.TicketCreated{ID: ticketID, Version: 0, Title: "concert", Price: 25, UserID: "seller"})

	buyer := &auth.User{ID: "buyer", Email: "b@test.dev"}
	cookie := authtest.Cookie(t, []byte(key), *buyer)
	body := `{"ticketId":"` + ticketID + `"}`
	bustest.Eventually(t, "order placed once the replica exists", func() bool {
		return status(t, http.MethodPost, base+"/api/orders", body, cookie) == http.StatusCreated
	})
	first := created.Wait(t, 1, func(e events.OrderCreated) bool { return e.Ticket.ID == ticketID })[0]
	if got := status(t, http.MethodPost, base+"/api/orders", body, cookie); got != http.StatusBadRequest {
		t.Errorf("second order of the ticket = %d, want 400", got)
	}

	// Expiration cancels it, and the ticket can be ordered again.
	publish(t, conn, events.ExpirationComplete{OrderID: first.ID})
	cancelled.Wait(t, 1, func(e events.OrderCancelled) bool { return e.ID == first.ID })
	if got := status(t, http.MethodPost, base+"/api/orders", body, cookie); got != http.StatusCreated {
		t.Fatalf("order after expiry = %d, want 201", got)
	}
	second := created.Wait(t, 2, func(e events.OrderCreated) bool { return e.Ticket.ID == ticketID })[1]

	// Payment completes it.
	publish(t, conn, events.PaymentCreated{ID: "pay", OrderID: second.ID, StripeID: "ch_1"})
	bustest.Eventually(t, "order complete", func() bool {
		code, body := do(t, http.MethodGet, base+"/api/orders/"+second.ID, "", cookie)
		return code == http.StatusOK && strings.Contains(body, `"status":"complete"`)
	})
	if got := status(t, http.MethodDelete, base+"/api/orders/"+second.ID, "", cookie); got != http.StatusBadRequest {
		t.Errorf("cancel of a complete order = %d, want 400", got)
	}
}

func publish(t *testing.T, conn *bus.Conn, e events.Event) {
	t.Helper()
	if err := bus.PublishEvent(context.Background(), conn, e); err != nil {
		t.Fatalf("publish %s: %v", e.Subject(), err)
	}
}

func status(t *testing.T, method, url, body string, cookie *http.Cookie) int {
	t.Helper()
	code, _ := do(t, method, url, body, cookie)
	return code
}

var do = testenv.Request

// TestNewPartsCap: NewParts caps a user's open orders at 5 by default.
func TestNewPartsCap(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	key := []byte("parts-test-key-0123456789abcdef01")
	parts, err := app.NewParts(context.Background(), db, &bustest.Publisher{}, slog.New(slog.DiscardHandler),
		app.Options{JWTKey: key, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(parts.Listeners); got != 5 { // ticket:created, ticket:updated, expiration:complete, payment:created, user:banned
		t.Errorf("listeners = %d, want 5", got)
	}
	buyer := &auth.User{ID: "u1", Email: "u1@test.dev"}
	tickets := db.Collection("tickets")
	for i := range 6 {
		id := bson.NewObjectID()
		if _, err := tickets.InsertOne(context.Background(), bson.D{{Key: "_id", Value: id}, {Key: "title", Value: "t"}, {Key: "price", Value: 1}, {Key: "version", Value: 0}}); err != nil {
			t.Fatal(err)
		}
		rec := authtest.Serve(t, parts.API, key, buyer, http.MethodPost, "/api/orders", `{"ticketId":"`+id.Hex()+`"}`)
		want := http.StatusCreated
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("order %d = %d %s, want %d", i+1, rec.Code, rec.Body, want)
		}
	}
}
