//go:build integration

package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/web"
)

// The cases of the original's test suite (numbered as in issue 4), and the
// extras, against MongoDB (FerretDB) and NATS Streaming.

// 1. list returns all (3 created → 3), oldest first.
func TestListReturnsAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var want []ticketBody
	for i := range 3 {
		want = append(want, e.create(t, alice, fmt.Sprintf("t%d", i), 10))
	}
	res := e.do(t, nil, http.MethodGet, "/api/tickets", "")
	if res.Code != http.StatusOK {
		t.Fatalf("GET /api/tickets = %d %s, want 200", res.Code, res.Body)
	}
	if diff := cmp.Diff(want, decodeStrict[[]ticketBody](t, res.Body)); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// Extra: the list shows only unreserved tickets, and [] when there are none.
func TestListOnlyUnreserved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if res := e.do(t, nil, http.MethodGet, "/api/tickets", ""); strings.TrimSpace(res.Body) != "[]" {
		t.Fatalf("empty list = %d %s, want 200 []", res.Code, res.Body)
	}
	a := e.create(t, alice, "a", 10)
	b := e.create(t, bob, "b", 20)
	c := e.create(t, alice, "c", 30)
	e.reserve(t, b.ID, bson.NewObjectID().Hex())
	got := decodeStrict[[]ticketBody](t, e.do(t, nil, http.MethodGet, "/api/tickets", "").Body)
	if diff := cmp.Diff([]ticketBody{a, c}, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// Extra: under concurrent lists (which share queries), a list asked for
// after a create has answered always shows the new ticket.
func TestListReadsItsWritesUnderLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					if res := e.do(t, nil, http.MethodGet, "/api/tickets", ""); res.Code != http.StatusOK {
						t.Errorf("GET /api/tickets = %d %s", res.Code, res.Body)
						return
					}
				}
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	for i := range 10 {
		tk := e.create(t, alice, fmt.Sprintf("t%d", i), 1)
		list := decodeStrict[[]ticketBody](t, e.do(t, nil, http.MethodGet, "/api/tickets", "").Body)
		if len(list) != i+1 || list[i] != tk {
			t.Fatalf("list after creating %s has %d tickets, last %+v; want %d ending with it", tk.ID, len(list), list[len(list)-1], i+1)
		}
	}
}

// 2–4. POST /api/tickets exists, needs a session, and accepts one.
func TestCreateAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name    string
		user    *auth.User
		check   func(code int) bool
		explain string
	}{
		{"2. route exists", nil, func(c int) bool { return c != http.StatusNotFound }, "not 404"},
		{"3. 401 when signed out", nil, func(c int) bool { return c == http.StatusUnauthorized }, "401"},
		{"4. not 401 when signed in", alice, func(c int) bool { return c != http.StatusUnauthorized }, "not 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, tt.user, http.MethodPost, "/api/tickets", `{}`)
			if !tt.check(res.Code) {
				t.Errorf("POST /api/tickets = %d %s, want %s", res.Code, res.Body, tt.explain)
			}
		})
	}
	res := e.do(t, nil, http.MethodPost, "/api/tickets", `{"title":"a","price":1}`)
	if diff := cmp.Diff([]web.FieldError{{Message: "Not authorized"}}, res.errors(t)); diff != "" {
		t.Errorf("signed-out errors (-want +got):\n%s", diff)
	}
}

// 5–6 and extras: invalid input is a 400 on its field, and stores nothing.
func TestCreateInvalid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"5. empty title", `{"title":"","price":10}`, "title"},
		{"5. missing title", `{"price":10}`, "title"},
		{"title of only spaces", `{"title":"   ","price":10}`, "title"},
		{"6. negative price", `{"title":"a","price":-10}`, "price"},
		{"6. missing price", `{"title":"a"}`, "price"},
		{"price 0", `{"title":"a","price":0}`, "price"},
		{"price NaN string", `{"title":"a","price":"NaN"}`, "price"},
		{"price Infinity string", `{"title":"a","price":"Infinity"}`, "price"},
		{"price word", `{"title":"a","price":"abc"}`, "price"},
		{"price bool", `{"title":"a","price":true}`, "price"},
		{"price object", `{"title":"a","price":{}}`, "price"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, alice, http.MethodPost, "/api/tickets", tt.body)
			if res.Code != http.StatusBadRequest {
				t.Fatalf("status = %d %s, want 400", res.Code, res.Body)
			}
			if errs := res.errors(t); len(errs) != 1 || errs[0].Field != tt.field {
				t.Errorf("errors = %+v, want one on %q", errs, tt.field)
			}
		})
	}
	n, err := e.coll.CountDocuments(t.Context(), bson.D{})
	if err != nil || n != 0 {
		t.Errorf("stored tickets = %d (err %v), want 0", n, err)
	}
}

// 7. creates a ticket with valid input; the price may be a numeric string.
func TestCreateValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name      string
		body      string
		wantPrice float64
		wantCents int64
	}{
		{"7. number", `{"title":"concert","price":20}`, 20, 2000},
		{"numeric string", `{"title":"concert","price":"12.50"}`, 12.5, 1250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, alice, http.MethodPost, "/api/tickets", tt.body)
			if res.Code != http.StatusCreated {
				t.Fatalf("status = %d %s, want 201", res.Code, res.Body)
			}
			got := decodeTicket(t, res.Body)
			want := ticketBody{ID: got.ID, Title: "concert", Price: tt.wantPrice, UserID: alice.ID, Version: 0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			doc := e.stored(t, got.ID)
			if doc["title"] != "concert" || doc["priceCents"] != tt.wantCents || doc["userId"] != alice.ID || doc["version"] != int64(0) {
				t.Errorf("stored %v, want title concert, priceCents %d, userId %s, version 0", doc, tt.wantCents, alice.ID)
			}
		})
	}
}

// 8. publishes ticket:created, with exactly the fields of SPEC §8, and the
// outbox is emptied once NATS has it.
func TestCreatePublishesTicketCreated(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := bustest.Record[rawCreated](t, e.conn)
	tk := e.create(t, alice, "concert", 12.5)
	got := rec.Wait(t, 1, func(ev rawCreated) bool { return ev["id"] == tk.ID })
	want := rawCreated{"id": tk.ID, "version": 0.0, "title": "concert", "price": 12.5, "userId": alice.ID}
	if diff := cmp.Diff([]rawCreated{want}, got); diff != "" {
		t.Errorf("ticket:created on the wire (-want +got):\n%s", diff)
	}
	bustest.Eventually(t, "outbox emptied", func() bool { return e.pending(t, tk.ID) == 0 })
}

// 9–10 and extras: show.
func TestShowTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.create(t, alice, "concert", 19.99)
	reserved := e.create(t, alice, "held", 5)
	orderID := bson.NewObjectID().Hex()
	e.reserve(t, reserved.ID, orderID)
	tests := []struct {
		name     string
		path     string
		wantCode int
		want     *ticketBody
	}{
		{"9. 404 for an unknown id", "/api/tickets/" + bson.NewObjectID().Hex(), http.StatusNotFound, nil},
		{"10. returns the ticket", "/api/tickets/" + tk.ID, http.StatusOK, &tk},
		{"returns a reserved ticket with its orderId", "/api/tickets/" + reserved.ID, http.StatusOK,
			&ticketBody{ID: reserved.ID, Title: "held", Price: 5, UserID: alice.ID, Version: 1, OrderID: orderID}},
		{"400 for a malformed id", "/api/tickets/123", http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, nil, http.MethodGet, tt.path, "")
			if res.Code != tt.wantCode {
				t.Fatalf("GET %s = %d %s, want %d", tt.path, res.Code, res.Body, tt.wantCode)
			}
			if tt.want == nil {
				_ = res.errors(t) // the error shape
				return
			}
			if diff := cmp.Diff(*tt.want, decodeTicket(t, res.Body)); diff != "" {
				t.Errorf("ticket (-want +got):\n%s", diff)
			}
		})
	}
}

// 11–14, 17 and extras: update failures, which change and publish nothing.
func TestUpdateFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := bustest.Record[rawUpdated](t, e.conn)
	tk := e.create(t, alice, "concert", 10)
	held := e.create(t, alice, "held", 10)
	e.reserve(t, held.ID, bson.NewObjectID().Hex())
	valid := `{"title":"new","price":99}`
	tests := []struct {
		name     string
		user     *auth.User
		id       string
		body     string
		wantCode int
		wantMsg  string
	}{
		{"11. 404 for an unknown id", alice, bson.NewObjectID().Hex(), valid, 404, "Not Found"},
		{"12. 401 when signed out", nil, tk.ID, valid, 401, "Not authorized"},
		{"13. 401 when not the owner", bob, tk.ID, valid, 401, "Not authorized"},
		{"14. 400 for an empty title", alice, tk.ID, `{"title":"","price":99}`, 400, "Title is required"},
		{"14. 400 for a negative price", alice, tk.ID, `{"title":"new","price":-99}`, 400, "Price must be greater than 0"},
		{"17. 400 for a reserved ticket", alice, held.ID, valid, 400, "Cannot edit a reserved ticket"},
		{"400 for a malformed id", alice, "zzz", valid, 400, "Ticket id must be a valid id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := e.do(t, tt.user, http.MethodPut, "/api/tickets/"+tt.id, tt.body)
			if res.Code != tt.wantCode {
				t.Fatalf("PUT = %d %s, want %d", res.Code, res.Body, tt.wantCode)
			}
			if errs := res.errors(t); len(errs) != 1 || errs[0].Message != tt.wantMsg {
				t.Errorf("errors = %+v, want %q", errs, tt.wantMsg)
			}
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		if got := decodeTicket(t, e.do(t, nil, http.MethodGet, "/api/tickets/"+tk.ID, "").Body); got != tk {
			t.Errorf("after failed updates: %+v, want unchanged %+v", got, tk)
		}
		if n := len(rec.All(func(ev rawUpdated) bool { return ev["id"] == tk.ID })); n != 0 {
			t.Errorf("ticket:updated events = %d, want 0", n)
		}
	})
}

// 15–16. updates with valid input; show returns the new values; create +
// update publish two events, ticket:updated with exactly the SPEC §8
// fields (no orderId while unreserved).
func TestUpdateValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	created := bustest.Record[rawCreated](t, e.conn)
	updated := bustest.Record[rawUpdated](t, e.conn)
	tk := e.create(t, alice, "concert", 10)

	res := e.do(t, alice, http.MethodPut, "/api/tickets/"+tk.ID, `{"title":"  new title ","price":"100.25"}`)
	if res.Code != http.StatusOK {
		t.Fatalf("PUT = %d %s, want 200", res.Code, res.Body)
	}
	want := ticketBody{ID: tk.ID, Title: "new title", Price: 100.25, UserID: alice.ID, Version: 1}
	if diff := cmp.Diff(want, decodeTicket(t, res.Body)); diff != "" {
		t.Errorf("PUT response (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, decodeTicket(t, e.do(t, nil, http.MethodGet, "/api/tickets/"+tk.ID, "").Body)); diff != "" {
		t.Errorf("show after update (-want +got):\n%s", diff)
	}

	mine := func(ev map[string]any) bool { return ev["id"] == tk.ID }
	gotC := created.Wait(t, 1, func(ev rawCreated) bool { return mine(ev) })
	gotU := updated.Wait(t, 1, func(ev rawUpdated) bool { return mine(ev) })
	if n := len(gotC) + len(gotU); n != 2 {
		t.Errorf("events = %d, want 2 (created + updated)", n)
	}
	wantU := rawUpdated{"id": tk.ID, "version": 1.0, "title": "new title", "price": 100.25, "userId": alice.ID}
	if diff := cmp.Diff([]rawUpdated{wantU}, gotU); diff != "" {
		t.Errorf("ticket:updated on the wire (-want +got):\n%s", diff)
	}
}

// Extra: concurrent edits are never lost. Each PUT either succeeds, as its
// own version, or answers 409; the stored version counts the successes,
// and each success published its own ticket:updated.
func TestUpdateConcurrentEditsAreNotLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	updated := bustest.Record[rawUpdated](t, e.conn)
	tk := e.create(t, alice, "v0", 1)

	const n = 16
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = e.do(t, alice, http.MethodPut, "/api/tickets/"+tk.ID, fmt.Sprintf(`{"title":"edit %d","price":%d}`, i, i+1))
		})
	}
	wg.Wait()

	versions := map[int64]string{} // version → title written
	for i, res := range results {
		switch res.Code {
		case http.StatusOK:
			got := decodeTicket(t, res.Body)
			if got.Title != fmt.Sprintf("edit %d", i) {
				t.Errorf("PUT %d answered %+v", i, got)
			}
			if prev, dup := versions[got.Version]; dup {
				t.Errorf("version %d written twice (%q and %q)", got.Version, prev, got.Title)
			}
			versions[got.Version] = got.Title
		case http.StatusConflict:
			if errs := res.errors(t); len(errs) != 1 || errs[0].Message != "Ticket was changed concurrently, try again" {
				t.Errorf("409 errors = %+v", errs)
			}
		default:
			t.Errorf("PUT %d = %d %s, want 200 or 409", i, res.Code, res.Body)
		}
	}
	ok := int64(len(versions))
	final := decodeTicket(t, e.do(t, nil, http.MethodGet, "/api/tickets/"+tk.ID, "").Body)
	if final.Version != ok || final.Title != versions[ok] {
		t.Errorf("final %+v, want version %d (one per success) with title %q", final, ok, versions[ok])
	}
	evs := updated.Wait(t, int(ok), func(ev rawUpdated) bool { return ev["id"] == tk.ID })
	for _, ev := range evs {
		if v := int64(ev["version"].(float64)); versions[v] != ev["title"] {
			t.Errorf("ticket:updated %v does not match the write of version %d (%q)", ev, v, versions[v])
		}
	}
	t.Logf("%d of %d concurrent edits succeeded", ok, n)
}

// Extra: the API never shows the outbox, even while events are pending.
func TestResponsesHideTheOutbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.create(t, alice, "concert", 10)
	// A pending message the relay is not told about; its sweep may publish
	// it, on a channel nobody listens to.
	msg := outbox.Message{ID: bson.NewObjectID().Hex(), Subject: "test:tickets-outbox", Data: "{}"}
	oid, _ := bson.ObjectIDFromHex(tk.ID)
	if _, err := e.coll.UpdateOne(t.Context(), bson.D{{Key: "_id", Value: oid}}, bson.D{{Key: "$push", Value: bson.D{{Key: "outbox", Value: msg}}}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/tickets", "/api/tickets/" + tk.ID} {
		if res := e.do(t, nil, http.MethodGet, path, ""); strings.Contains(res.Body, "outbox") || strings.Contains(res.Body, "_id") {
			t.Errorf("GET %s = %s, shows stored fields", path, res.Body)
		}
	}
}
