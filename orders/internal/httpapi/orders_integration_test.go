//go:build integration

package httpapi_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"
)

func TestCreateUnknownTicket(t *testing.T) { // case 1
	t.Parallel()
	e := newEnv(t)
	rec := e.do(t, user("u1"), http.MethodPost, "/api/orders", `{"ticketId":"`+bson.NewObjectID().Hex()+`"}`)
	if got, want := rec.Code, http.StatusNotFound; got != want {
		t.Fatalf("status = %d, want %d; body %s", got, want, rec.Body)
	}
	want := errorsJSON{Errors: []web.FieldError{{Message: "Not Found"}}}
	if diff := cmp.Diff(want, decode[errorsJSON](t, rec)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
}

func TestCreateReservedTicket(t *testing.T) { // case 2
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name   string
		status events.OrderStatus
		want   int
	}{
		{"created", events.StatusCreated, http.StatusBadRequest},
		{"awaiting payment", events.StatusAwaitingPayment, http.StatusBadRequest},
		{"complete", events.StatusComplete, http.StatusBadRequest},
		{"cancelled", events.StatusCancelled, http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tk := e.ticket(t, "concert", 20)
			first := e.order(t, user("first"), tk)
			if tc.status != events.StatusCreated {
				setStatus(t, e, first.ID, tc.status)
			}
			rec := e.do(t, user("second"), http.MethodPost, "/api/orders", `{"ticketId":"`+tk.ID.Hex()+`"}`)
			if got := rec.Code; got != tc.want {
				t.Fatalf("status = %d, want %d; body %s", got, tc.want, rec.Body)
			}
			if tc.want == http.StatusBadRequest {
				want := errorsJSON{Errors: []web.FieldError{{Message: "Ticket is already reserved"}}}
				if diff := cmp.Diff(want, decode[errorsJSON](t, rec)); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// setStatus moves an order to status through the service, as the
// listeners do.
func setStatus(t *testing.T, e *env, id string, status events.OrderStatus) {
	t.Helper()
	oid, _ := bson.ObjectIDFromHex(id)
	ctx := context.Background()
	o, err := e.svc.Orders.Get(ctx, oid)
	if err != nil {
		t.Fatal(err)
	}
	switch status {
	case events.StatusComplete:
		_, err = e.svc.Complete(ctx, o)
	case events.StatusCancelled:
		_, err = e.svc.Cancel(ctx, o)
	default:
		next := o
		next.Status, next.Version = status, o.Version+1
		err = e.svc.Orders.Update(ctx, o, next)
	}
	if err != nil {
		t.Fatalf("set status %s: %v", status, err)
	}
}

func TestCreateReservesTicket(t *testing.T) { // case 3
	t.Parallel()
	e := newEnv(t)
	tk := e.ticket(t, "concert", 20.5)
	before := time.Now()
	got := e.order(t, user("u1"), tk)

	if _, err := bson.ObjectIDFromHex(got.ID); err != nil {
		t.Errorf("id = %q, not an ObjectId", got.ID)
	}
	want := got
	want.UserID, want.Status, want.Version = "u1", "created", 0
	want.Ticket.ID, want.Ticket.Title, want.Ticket.Price, want.Ticket.Version = tk.ID.Hex(), "concert", 20.5, 0
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	expires, err := time.Parse(time.RFC3339, got.ExpiresAt)
	if err != nil {
		t.Fatalf("expiresAt %q is not RFC 3339: %v", got.ExpiresAt, err)
	}
	if lo, hi := before.Add(window).Add(-time.Second), time.Now().Add(window).Add(time.Second); expires.Before(lo) || expires.After(hi) {
		t.Errorf("expiresAt = %v, want now + %v", expires, window)
	}
	if _, off := expires.Zone(); off != 0 {
		t.Errorf("expiresAt %q is not UTC", got.ExpiresAt)
	}
}

func TestCreateEmitsOrderCreated(t *testing.T) { // case 4
	t.Parallel()
	e := newEnv(t)
	rec := bustest.Record[events.OrderCreated](t, e.conn)
	tk := e.ticket(t, "concert", 20.5)
	o := e.order(t, user("u1"), tk)

	got := rec.Wait(t, 1, func(ev events.OrderCreated) bool { return ev.ID == o.ID })
	expires, _ := time.Parse(time.RFC3339, o.ExpiresAt)
	want := events.OrderCreated{
		ID: o.ID, Version: 0, Status: events.StatusCreated, UserID: "u1", ExpiresAt: expires,
		Ticket: events.OrderTicket{ID: tk.ID.Hex(), Price: 20.5},
	}
	if diff := cmp.Diff([]events.OrderCreated{want}, got); diff != "" {
		t.Errorf("order:created (-want +got):\n%s", diff)
	}
	bustest.Eventually(t, "outbox emptied", func() bool { return e.pending(t, o.ID) == 0 })
}

func TestCreateBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ticketIDMsg := []web.FieldError{{Field: "ticketId", Message: "TicketId must be provided"}}
	tests := []struct {
		name        string
		signedIn    bool
		contentType string
		body        string
		wantStatus  int
		wantErrors  []web.FieldError
	}{
		{"signed out", false, "application/json", `{"ticketId":"` + bson.NewObjectID().Hex() + `"}`, http.StatusUnauthorized, []web.FieldError{{Message: "Not authorized"}}},
		{"no ticketId", true, "application/json", `{}`, http.StatusBadRequest, ticketIDMsg},
		{"empty ticketId", true, "application/json", `{"ticketId":""}`, http.StatusBadRequest, ticketIDMsg},
		{"malformed ticketId", true, "application/json", `{"ticketId":"abc"}`, http.StatusBadRequest, ticketIDMsg},
		{"number ticketId", true, "application/json", `{"ticketId":12}`, http.StatusBadRequest, ticketIDMsg},
		{"malformed JSON", true, "application/json", `{"ticketId":`, http.StatusBadRequest, nil},
		{"not JSON", true, "text/plain", `ticketId=1`, http.StatusUnsupportedMediaType, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := user("u1")
			if !tc.signedIn {
				as = nil
			}
			rec := authtest.ServeType(t, e.h, key, as, http.MethodPost, "/api/orders", tc.contentType, tc.body)
			if got := rec.Code; got != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got, tc.wantStatus, rec.Body)
			}
			got := decode[errorsJSON](t, rec)
			if len(got.Errors) == 0 {
				t.Fatalf("no error messages in %+v", got)
			}
			if tc.wantErrors != nil {
				if diff := cmp.Diff(errorsJSON{Errors: tc.wantErrors}, got); diff != "" {
					t.Errorf("body (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestList(t *testing.T) { // case 5
	t.Parallel()
	e := newEnv(t)
	a, b := user("alice"), user("bob")
	first := e.order(t, a, e.ticket(t, "first", 10))
	e.order(t, b, e.ticket(t, "bob's", 15))
	second := e.order(t, a, e.ticket(t, "second", 20))
	third := e.order(t, a, e.ticket(t, "third", 30))
	setStatus(t, e, second.ID, events.StatusCancelled)
	second.Status, second.Version = "cancelled", 1

	rec := e.do(t, a, http.MethodGet, "/api/orders", "")
	if got, want := rec.Code, http.StatusOK; got != want {
		t.Fatalf("status = %d, want %d; body %s", got, want, rec.Body)
	}
	if diff := cmp.Diff([]orderJSON{first, second, third}, decode[[]orderJSON](t, rec)); diff != "" {
		t.Errorf("alice's orders (-want +got):\n%s", diff)
	}

	rec = e.do(t, user("carol"), http.MethodGet, "/api/orders", "")
	if got, want := rec.Body.String(), "[]\n"; got != want {
		t.Errorf("carol's orders = %q, want %q", got, want)
	}
	if got, want := e.do(t, nil, http.MethodGet, "/api/orders", "").Code, http.StatusUnauthorized; got != want {
		t.Errorf("signed out: status = %d, want %d", got, want)
	}
}

func TestShow(t *testing.T) { // cases 6, 7
	t.Parallel()
	e := newEnv(t)
	o := e.order(t, user("owner"), e.ticket(t, "concert", 20))
	tests := []struct {
		name       string
		user       string // "" signed out
		path       string
		wantStatus int
		wantMsg    string
	}{
		{"owner", "owner", "/api/orders/" + o.ID, http.StatusOK, ""},
		{"someone else", "other", "/api/orders/" + o.ID, http.StatusUnauthorized, "Not authorized"},
		{"signed out", "", "/api/orders/" + o.ID, http.StatusUnauthorized, "Not authorized"},
		{"unknown", "owner", "/api/orders/" + bson.NewObjectID().Hex(), http.StatusNotFound, "Not Found"},
		{"malformed id", "owner", "/api/orders/not-an-id", http.StatusBadRequest, "Order id must be a valid id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			u := user(tc.user)
			if tc.user == "" {
				u = nil
			}
			rec := e.do(t, u, http.MethodGet, tc.path, "")
			if got := rec.Code; got != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == http.StatusOK {
				if diff := cmp.Diff(o, decode[orderJSON](t, rec)); diff != "" {
					t.Errorf("order (-want +got):\n%s", diff)
				}
				return
			}
			want := errorsJSON{Errors: []web.FieldError{{Message: tc.wantMsg}}}
			if diff := cmp.Diff(want, decode[errorsJSON](t, rec)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCancel(t *testing.T) { // cases 8, 9
	t.Parallel()
	e := newEnv(t)
	rec := bustest.Record[events.OrderCancelled](t, e.conn)
	tk := e.ticket(t, "concert", 20)
	o := e.order(t, user("u1"), tk)

	if got, want := e.do(t, user("u1"), http.MethodDelete, "/api/orders/"+o.ID, "").Code, http.StatusNoContent; got != want {
		t.Fatalf("DELETE status = %d, want %d", got, want)
	}
	shown := decode[orderJSON](t, e.do(t, user("u1"), http.MethodGet, "/api/orders/"+o.ID, ""))
	if got, want := shown.Status, "cancelled"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}
	if got, want := shown.Version, int64(1); got != want {
		t.Errorf("version = %d, want %d", got, want)
	}
	mine := func(ev events.OrderCancelled) bool { return ev.ID == o.ID }
	got := rec.Wait(t, 1, mine)
	want := []events.OrderCancelled{{ID: o.ID, Version: 1, Ticket: events.TicketRef{ID: tk.ID.Hex()}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order:cancelled (-want +got):\n%s", diff)
	}

	// Again: a no-op 204, no second event.
	bustest.Eventually(t, "outbox emptied", func() bool { return e.pending(t, o.ID) == 0 })
	if got, want := e.do(t, user("u1"), http.MethodDelete, "/api/orders/"+o.ID, "").Code, http.StatusNoContent; got != want {
		t.Fatalf("second DELETE status = %d, want %d", got, want)
	}
	if got := e.pending(t, o.ID); got != 0 {
		t.Errorf("second DELETE recorded %d event(s), want none", got)
	}
	if got := decode[orderJSON](t, e.do(t, user("u1"), http.MethodGet, "/api/orders/"+o.ID, "")).Version; got != 1 {
		t.Errorf("version after second DELETE = %d, want 1", got)
	}
	if got := rec.All(mine); len(got) != 1 {
		t.Errorf("order:cancelled events = %+v, want one", got)
	}
}

func TestCancelRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name       string
		user       string
		complete   bool
		id         string // default: the order's
		wantStatus int
		wantMsg    string
	}{
		{"complete", "owner", true, "", http.StatusBadRequest, "Cannot cancel a completed order"},
		{"someone else", "other", false, "", http.StatusUnauthorized, "Not authorized"},
		{"signed out", "", false, "", http.StatusUnauthorized, "Not authorized"},
		{"unknown", "owner", false, bson.NewObjectID().Hex(), http.StatusNotFound, "Not Found"},
		{"malformed id", "owner", false, "123", http.StatusBadRequest, "Order id must be a valid id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := e.order(t, user("owner"), e.ticket(t, "concert", 20))
			if tc.complete {
				setStatus(t, e, o.ID, events.StatusComplete)
			}
			id := tc.id
			if id == "" {
				id = o.ID
			}
			u := user(tc.user)
			if tc.user == "" {
				u = nil
			}
			rec := e.do(t, u, http.MethodDelete, "/api/orders/"+id, "")
			if got := rec.Code; got != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got, tc.wantStatus, rec.Body)
			}
			want := errorsJSON{Errors: []web.FieldError{{Message: tc.wantMsg}}}
			if diff := cmp.Diff(want, decode[errorsJSON](t, rec)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			shown := decode[orderJSON](t, e.do(t, user("owner"), http.MethodGet, "/api/orders/"+o.ID, ""))
			if shown.Status == "cancelled" {
				t.Errorf("order was cancelled")
			}
		})
	}
}

func TestReorderAfterCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.ticket(t, "concert", 20)
	o := e.order(t, user("u1"), tk)
	if got, want := e.do(t, user("u1"), http.MethodDelete, "/api/orders/"+o.ID, "").Code, http.StatusNoContent; got != want {
		t.Fatalf("DELETE status = %d, want %d", got, want)
	}
	again := e.order(t, user("u2"), tk)
	if again.ID == o.ID {
		t.Errorf("second order has the first one's id")
	}
	// The cancelled order must not take the ticket back.
	if got, want := e.do(t, user("u2"), http.MethodPost, "/api/orders", `{"ticketId":"`+tk.ID.Hex()+`"}`).Code, http.StatusBadRequest; got != want {
		t.Errorf("third order: status = %d, want %d", got, want)
	}
}

// TestConcurrentOrders: of 100 concurrent orders of one ticket by 100 users,
// exactly one wins, and one order:created is published.
func TestConcurrentOrders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := bustest.Record[events.OrderCreated](t, e.conn)
	tk := e.ticket(t, "the last ticket", 99)
	const n = 100
	codes := make([]int, n)
	bodies := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			r := e.do(t, user("buyer"+string(rune('A'+i/26))+string(rune('a'+i%26))), http.MethodPost, "/api/orders", `{"ticketId":"`+tk.ID.Hex()+`"}`)
			codes[i], bodies[i] = r.Code, r.Body.String()
		})
	}
	close(start)
	wg.Wait()

	won, lost := 0, 0
	for i, c := range codes {
		switch {
		case c == http.StatusCreated:
			won++
		case c == http.StatusBadRequest && bodies[i] == `{"errors":[{"message":"Ticket is already reserved"}]}`+"\n":
			lost++
		default:
			t.Errorf("request %d: %d %s", i, c, bodies[i])
		}
	}
	if won != 1 || lost != n-1 {
		t.Errorf("201s = %d, 400s = %d; want 1 and %d", won, lost, n-1)
	}
	count, err := e.db.Collection("orders").CountDocuments(context.Background(), bson.D{{Key: "ticket.id", Value: tk.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if count != 1 {
		t.Errorf("orders stored for the ticket = %d, want 1", count)
	}

	forTicket := func(ev events.OrderCreated) bool { return ev.Ticket.ID == tk.ID.Hex() }
	got := rec.Wait(t, 1, forTicket)
	bustest.Eventually(t, "outbox emptied", func() bool { return e.pending(t, got[0].ID) == 0 })
	if got := rec.All(forTicket); len(got) != 1 {
		t.Errorf("order:created events for the ticket = %d, want 1", len(got))
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/healthz", http.StatusOK},
		{http.MethodGet, "/readyz", http.StatusOK},
		{http.MethodGet, "/api/nothing", http.StatusNotFound},
		{http.MethodPut, "/api/orders", http.StatusMethodNotAllowed},
		{http.MethodPatch, "/api/orders/" + bson.NewObjectID().Hex(), http.StatusMethodNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			t.Parallel()
			rec := e.do(t, user("u1"), tc.method, tc.path, "")
			if got := rec.Code; got != tc.want {
				t.Fatalf("status = %d, want %d; body %s", got, tc.want, rec.Body)
			}
			if tc.want >= 400 {
				if got := decode[errorsJSON](t, rec); len(got.Errors) != 1 {
					t.Errorf("body = %+v, want one error", got)
				}
			}
		})
	}
}
