//go:build integration

package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// env is the tickets API as app wires it, on a fresh database of the real
// MongoDB (FerretDB), its outbox relay publishing to the real NATS Streaming.
type env struct {
	h     http.Handler
	coll  *mongo.Collection
	conn  *bus.Conn
	store *mongostore.Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	b := testenv.NewBackends(t)
	relay := b.Relay("tickets")
	testenv.Background(t, relay.Run) // before the connection closes
	coll := b.DB.Collection("tickets")
	store := mongostore.New(coll, relay)
	return &env{h: httpapi.New(ticket.NewCoalesced(store), auth.Verifier{Key: key}, discard, b.Checks, nil).Routes(), coll: coll, conn: b.Conn, store: store}
}

func (e *env) do(t *testing.T, user *auth.User, method, path, body string) response {
	t.Helper()
	return do(t, e.h, method, path, body, user)
}

// create sells a ticket as user through the API and returns its JSON.
func (e *env) create(t *testing.T, user *auth.User, title string, price float64) ticketBody {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"title": title, "price": price})
	res := e.do(t, user, http.MethodPost, "/api/tickets", string(b))
	if res.Code != http.StatusCreated {
		t.Fatalf("POST /api/tickets = %d %s, want 201", res.Code, res.Body)
	}
	return decodeTicket(t, res.Body)
}

// reserve marks ticket id as held by orderID, as the order:created
// listener does.
func (e *env) reserve(t *testing.T, id, orderID string) {
	t.Helper()
	oid, _ := bson.ObjectIDFromHex(id)
	if _, err := ticket.Update(context.Background(), e.store, oid, func(tk *ticket.Ticket) error {
		tk.OrderID = orderID
		return nil
	}); err != nil {
		t.Fatalf("reserve %s: %v", id, err)
	}
}

// stored reads ticket id's document as it is in MongoDB.
func (e *env) stored(t *testing.T, id string) bson.M {
	t.Helper()
	oid, _ := bson.ObjectIDFromHex(id)
	var m bson.M
	if err := e.coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: oid}}).Decode(&m); err != nil {
		t.Fatalf("read ticket %s: %v", id, err)
	}
	return m
}

// pending returns the number of ticket id's events still in its outbox.
func (e *env) pending(t *testing.T, id string) int {
	t.Helper()
	box, _ := e.stored(t, id)["outbox"].(bson.A)
	return len(box)
}

// ticketBody is a ticket as the API answers it; decoding rejects any other
// field.
type ticketBody struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"`
	UserID  string  `json:"userId"`
	Version int64   `json:"version"`
	OrderID string  `json:"orderId,omitempty"`
}

func decodeTicket(t *testing.T, body string) ticketBody {
	t.Helper()
	return decodeStrict[ticketBody](t, body)
}

func decodeStrict[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, body, err)
	}
	return v
}

// Raw events: decoded into maps, to check the exact set of fields on the
// wire.
type (
	rawCreated map[string]any
	rawUpdated map[string]any
)

func (rawCreated) Subject() events.Subject { return events.SubjectTicketCreated }
func (rawUpdated) Subject() events.Subject { return events.SubjectTicketUpdated }

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
