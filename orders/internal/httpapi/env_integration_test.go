//go:build integration

package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/orders/internal/httpapi"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// env is the orders API on a fresh database of the real MongoDB (FerretDB),
// with its outbox relay publishing to the real NATS Streaming.
type env struct {
	h       http.Handler
	db      *mongo.Database
	conn    *bus.Conn
	svc     *order.Service
	tickets *mongostore.Tickets
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return setup(t, true)
}

// setup builds the env; without relay the events stay in the outbox.
func setup(t testing.TB, relay bool) *env {
	t.Helper()
	b := testenv.NewBackends(t)
	r := b.Relay("orders")
	orders, err := mongostore.NewOrders(context.Background(), b.DB.Collection("orders"), r)
	if err != nil {
		t.Fatalf("NewOrders: %v", err)
	}
	if relay {
		testenv.Background(t, r.Run) // before the connection closes
	}
	tickets := mongostore.NewTickets(b.DB)
	svc := &order.Service{Orders: orders, Tickets: tickets, Window: window}
	return &env{
		h:  httpapi.New(svc, discard, auth.Verifier{Key: key}, b.Checks).Routes(),
		db: b.DB, conn: b.Conn, svc: svc, tickets: tickets,
	}
}

// ticket puts a ticket in the replica, as ticket:created would.
func (e *env) ticket(t testing.TB, title string, price float64) ticket.Ticket {
	t.Helper()
	tk := ticket.Ticket{ID: bson.NewObjectID(), Title: title, Price: price}
	if err := e.tickets.Create(context.Background(), tk); err != nil {
		t.Fatalf("create ticket: %v", err)
	}
	return tk
}

// do sends a request as user (nil: signed out) and returns the response.
func (e *env) do(t testing.TB, user *auth.User, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return serve(t, e.h, user, method, path, body)
}

// order places an order for tk as user through the API.
func (e *env) order(t testing.TB, user *auth.User, tk ticket.Ticket) orderJSON {
	t.Helper()
	rec := e.do(t, user, http.MethodPost, "/api/orders", `{"ticketId":"`+tk.ID.Hex()+`"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /api/orders = %d %s, want 201", rec.Code, rec.Body)
	}
	return decode[orderJSON](t, rec)
}

// pending returns the number of events of order id still in its outbox.
func (e *env) pending(t testing.TB, id string) int {
	t.Helper()
	oid, _ := bson.ObjectIDFromHex(id)
	var doc struct {
		Outbox []bson.RawValue `bson:"outbox"`
	}
	if err := e.db.Collection("orders").FindOne(context.Background(), bson.D{{Key: "_id", Value: oid}}).Decode(&doc); err != nil {
		t.Fatalf("read order %s: %v", id, err)
	}
	return len(doc.Outbox)
}
