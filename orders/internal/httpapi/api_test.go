package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/orders/internal/httpapi"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/order/ordertest"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// Hermetic tests of every route on the in-memory stores: statuses, the
// error shape (SPEC §2) and the events recorded. The same routes run
// against MongoDB and NATS Streaming in orders_integration_test.go.

// mem is the API on in-memory stores.
type mem struct {
	h       http.Handler
	orders  *ordertest.Store
	tickets *ordertest.Tickets
}

func newMem(maxOpen int) *mem {
	m := &mem{orders: &ordertest.Store{}, tickets: &ordertest.Tickets{}}
	svc := &order.Service{Orders: m.orders, Tickets: m.tickets, Window: window, MaxOpen: maxOpen}
	m.h = httpapi.New(svc, discard, auth.Verifier{Key: key}, map[string]web.Check{
		"ok": func(context.Context) error { return nil },
	}).Routes()
	return m
}

func (m *mem) ticket() ticket.Ticket {
	return m.tickets.Put(ticket.Ticket{Title: "concert", Price: 20.5, Version: 2})
}

// put stores an order of a new ticket by userID in status.
func (m *mem) put(userID string, status events.OrderStatus) order.Order {
	return m.orders.Put(order.Order{ID: bson.NewObjectID(), UserID: userID, Status: status,
		ExpiresAt: time.Now().Add(window).UTC().Truncate(time.Millisecond), Ticket: m.ticket()})
}

func orderBody(id bson.ObjectID) string { return `{"ticketId":"` + id.Hex() + `"}` }

func errs(msg, field string) errorsJSON {
	return errorsJSON{Errors: []web.FieldError{{Message: msg, Field: field}}}
}

// TestAPIErrors: every route's failures, each a 4xx in the error shape.
func TestAPIErrors(t *testing.T) {
	t.Parallel()
	m := newMem(5)
	held := m.put("alice", events.StatusCreated)
	paid := m.put("alice", events.StatusComplete)
	bobs := m.put("bob", events.StatusCreated)
	alice := user("alice")
	tests := []struct {
		name   string
		user   *auth.User
		method string
		path   string
		body   string
		want   int
		errors errorsJSON
	}{
		{"create signed out", nil, "POST", "/api/orders", orderBody(m.ticket().ID), 401, errs("Not authorized", "")},
		{"create without id", alice, "POST", "/api/orders", `{}`, 400, errs("TicketId must be provided", "ticketId")},
		{"create bad id", alice, "POST", "/api/orders", `{"ticketId":"nope"}`, 400, errs("TicketId must be provided", "ticketId")},
		{"create operator id", alice, "POST", "/api/orders", `{"ticketId":{"$gt":""}}`, 400, errs("TicketId must be provided", "ticketId")},
		{"create malformed", alice, "POST", "/api/orders", `{"ticketId":`, 400, errs("Request body contains malformed JSON", "")},
		{"create array", alice, "POST", "/api/orders", `[]`, 400, errs("Request body must be a JSON object", "")},
		{"create unknown ticket", alice, "POST", "/api/orders", orderBody(bson.NewObjectID()), 404, errs("Not Found", "")},
		{"create reserved ticket", user("carol"), "POST", "/api/orders", orderBody(held.Ticket.ID), 400, errs("Ticket is already reserved", "")},
		{"create sold ticket", user("carol"), "POST", "/api/orders", orderBody(paid.Ticket.ID), 400, errs("Ticket is already reserved", "")},
		{"list signed out", nil, "GET", "/api/orders", "", 401, errs("Not authorized", "")},
		{"show signed out", nil, "GET", "/api/orders/" + held.ID.Hex(), "", 401, errs("Not authorized", "")},
		{"show bad id", alice, "GET", "/api/orders/nope", "", 400, errs("Order id must be a valid id", "")},
		{"show unknown", alice, "GET", "/api/orders/" + bson.NewObjectID().Hex(), "", 404, errs("Not Found", "")},
		{"show someone else's", alice, "GET", "/api/orders/" + bobs.ID.Hex(), "", 401, errs("Not authorized", "")},
		{"cancel signed out", nil, "DELETE", "/api/orders/" + held.ID.Hex(), "", 401, errs("Not authorized", "")},
		{"cancel bad id", alice, "DELETE", "/api/orders/nope", "", 400, errs("Order id must be a valid id", "")},
		{"cancel unknown", alice, "DELETE", "/api/orders/" + bson.NewObjectID().Hex(), "", 404, errs("Not Found", "")},
		{"cancel someone else's", alice, "DELETE", "/api/orders/" + bobs.ID.Hex(), "", 401, errs("Not authorized", "")},
		{"cancel paid", alice, "DELETE", "/api/orders/" + paid.ID.Hex(), "", 400, errs("Cannot cancel a completed order", "")},
		{"unknown route", alice, "GET", "/api/nope", "", 404, errs("Not Found", "")},
		{"wrong method", alice, "PUT", "/api/orders", "", 405, errs("Method Not Allowed", "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := serve(t, m.h, tc.user, tc.method, tc.path, tc.body)
			if rec.Code != tc.want {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
			got := decode[errorsJSON](t, rec)
			// Malformed JSON names the byte offset; compare up to it.
			if len(got.Errors) == 1 && strings.HasPrefix(got.Errors[0].Message, "Request body contains malformed JSON") {
				got.Errors[0].Message = "Request body contains malformed JSON"
			}
			if diff := cmp.Diff(tc.errors, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
	if evs := m.orders.Events(); len(evs) != 0 {
		t.Errorf("failed requests recorded events %v", evs)
	}
}

// TestAPIBody: a body that is not declared JSON is a 415, one over 1 MiB a
// 413, both in the error shape.
func TestAPIBody(t *testing.T) {
	t.Parallel()
	m := newMem(5)
	tests := []struct {
		name, ctype, body string
		want              int
		errors            errorsJSON
	}{
		{"text/plain", "text/plain", orderBody(m.ticket().ID), 415, errs("Content-Type must be application/json", "")},
		{"no content type", "", orderBody(m.ticket().ID), 415, errs("Content-Type must be application/json", "")},
		{"too large", "application/json", `{"ticketId":"` + strings.Repeat("a", 1<<20) + `"}`, 413, errs("Request body must not be larger than 1 MiB", "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := authtest.ServeType(t, m.h, key, user("alice"), http.MethodPost, "/api/orders", tc.ctype, tc.body)
			if rec.Code != tc.want {
				t.Fatalf("POST = %d %s, want %d", rec.Code, rec.Body, tc.want)
			}
			if diff := cmp.Diff(tc.errors, decode[errorsJSON](t, rec)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

// TestAPIFlow: place, show, list and cancel, with their answers and events.
func TestAPIFlow(t *testing.T) {
	t.Parallel()
	m := newMem(5)
	alice := user("alice")
	tk := m.ticket()
	rec := serve(t, m.h, alice, "POST", "/api/orders", orderBody(tk.ID))
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST = %d %s, want 201", rec.Code, rec.Body)
	}
	o := decode[orderJSON](t, rec)
	if o.Status != "created" || o.UserID != "alice" || o.Version != 0 || o.Ticket.ID != tk.ID.Hex() ||
		o.Ticket.Title != "concert" || o.Ticket.Price != 20.5 || o.Ticket.Version != 2 {
		t.Errorf("order = %+v", o)
	}
	expires, err := time.Parse(time.RFC3339, o.ExpiresAt)
	if err != nil || time.Until(expires) < window-time.Minute || time.Until(expires) > window {
		t.Errorf("expiresAt = %q (%v), want about now + %v", o.ExpiresAt, err, window)
	}

	rec = serve(t, m.h, alice, "GET", "/api/orders/"+o.ID, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET = %d %s, want 200", rec.Code, rec.Body)
	}
	if diff := cmp.Diff(o, decode[orderJSON](t, rec)); diff != "" {
		t.Errorf("GET (-want +got):\n%s", diff)
	}
	second := decode[orderJSON](t, serve(t, m.h, alice, "POST", "/api/orders", orderBody(m.ticket().ID)))
	rec = serve(t, m.h, alice, "GET", "/api/orders", "")
	if diff := cmp.Diff([]orderJSON{o, second}, decode[[]orderJSON](t, rec)); rec.Code != 200 || diff != "" {
		t.Errorf("list = %d (-want +got):\n%s", rec.Code, diff)
	}
	rec = serve(t, m.h, user("bob"), "GET", "/api/orders", "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "[]" {
		t.Errorf("another user's list = %d %s, want 200 []", rec.Code, rec.Body)
	}

	for i := range 2 { // the second cancel is a no-op
		if rec := serve(t, m.h, alice, "DELETE", "/api/orders/"+o.ID, ""); rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
			t.Fatalf("DELETE %d = %d %q, want 204 and no body", i+1, rec.Code, rec.Body)
		}
	}
	var subjects []events.Subject
	for _, e := range m.orders.Events() {
		subjects = append(subjects, e.Subject())
	}
	want := []events.Subject{events.SubjectOrderCreated, events.SubjectOrderCreated, events.SubjectOrderCancelled}
	if diff := cmp.Diff(want, subjects); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// The cancelled order freed its ticket.
	if rec := serve(t, m.h, user("bob"), "POST", "/api/orders", orderBody(tk.ID)); rec.Code != http.StatusCreated {
		t.Errorf("re-order of a freed ticket = %d %s, want 201", rec.Code, rec.Body)
	}
}

// TestAPIOpenOrderCap: the order past a user's cap of open orders is a 429
// in the error shape; paying or cancelling one makes room.
func TestAPIOpenOrderCap(t *testing.T) {
	t.Parallel()
	m := newMem(5)
	alice := user("alice")
	m.put("alice", events.StatusComplete) // paid and cancelled orders do not count
	m.put("alice", events.StatusCancelled)
	var first orderJSON
	for i := range 5 {
		rec := serve(t, m.h, alice, "POST", "/api/orders", orderBody(m.ticket().ID))
		if rec.Code != http.StatusCreated {
			t.Fatalf("open order %d = %d %s, want 201", i+1, rec.Code, rec.Body)
		}
		if i == 0 {
			first = decode[orderJSON](t, rec)
		}
	}
	rec := serve(t, m.h, alice, "POST", "/api/orders", orderBody(m.ticket().ID))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("6th open order = %d %s, want 429", rec.Code, rec.Body)
	}
	want := errs("You have too many open orders; pay for or cancel one first", "")
	if diff := cmp.Diff(want, decode[errorsJSON](t, rec)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if rec := serve(t, m.h, user("bob"), "POST", "/api/orders", orderBody(m.ticket().ID)); rec.Code != http.StatusCreated {
		t.Errorf("another user's order = %d %s, want 201", rec.Code, rec.Body)
	}
	if rec := serve(t, m.h, alice, "DELETE", "/api/orders/"+first.ID, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	if rec := serve(t, m.h, alice, "POST", "/api/orders", orderBody(m.ticket().ID)); rec.Code != http.StatusCreated {
		t.Errorf("order after a cancel = %d %s, want 201", rec.Code, rec.Body)
	}
}

// TestAPIStoreFault: an unexpected store error is a 500 with the generic
// message; the details stay in the log.
func TestAPIStoreFault(t *testing.T) {
	t.Parallel()
	m := newMem(5)
	tk := m.ticket()
	m.orders.Err = errors.New("disk on fire")
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/orders", orderBody(tk.ID)},
		{"GET", "/api/orders", ""},
		{"GET", "/api/orders/" + bson.NewObjectID().Hex(), ""},
		{"DELETE", "/api/orders/" + bson.NewObjectID().Hex(), ""},
	} {
		rec := serve(t, m.h, user("alice"), r.method, r.path, r.body)
		if rec.Code != http.StatusInternalServerError {
			t.Errorf("%s %s = %d %s, want 500", r.method, r.path, rec.Code, rec.Body)
			continue
		}
		if diff := cmp.Diff(errs("Something went wrong", ""), decode[errorsJSON](t, rec)); diff != "" {
			t.Errorf("%s %s body (-want +got):\n%s", r.method, r.path, diff)
		}
	}
}

// TestAPIProbes: /healthz and /readyz answer without a session.
func TestAPIProbes(t *testing.T) {
	t.Parallel()
	m := newMem(5)
	for _, path := range []string{"/healthz", "/readyz"} {
		if rec := serve(t, m.h, nil, "GET", path, ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, rec.Code, rec.Body)
		}
	}
}
