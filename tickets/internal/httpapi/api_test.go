package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/ticket"
	"github.com/gittix/ticketing/tickets/internal/ticket/tickettest"
)

// Hermetic handler tests on the in-memory store. The same routes are tested
// against MongoDB and NATS Streaming in integration_test.go.

var (
	key     = []byte("test-key")
	discard = slog.New(slog.DiscardHandler)
	alice   = &auth.User{ID: "u-alice", Email: "alice@example.com"}
	bob     = &auth.User{ID: "u-bob", Email: "bob@example.com"}
)

func newHandler(s ticket.Store) http.Handler {
	return httpapi.New(s, auth.Verifier{Key: key}, discard, map[string]web.Check{
		"ok": func(context.Context) error { return nil },
	}, nil).Routes()
}

type response struct {
	Code int
	Body string
}

// errorsOf decodes an error body.
func (r response) errors(t *testing.T) []web.FieldError {
	t.Helper()
	var body struct{ Errors []web.FieldError }
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("decode error body %q: %v", r.Body, err)
	}
	return body.Errors
}

func do(t *testing.T, h http.Handler, method, path, body string, user *auth.User) response {
	t.Helper()
	rec := authtest.Serve(t, h, key, user, method, path, body)
	return response{Code: rec.Code, Body: rec.Body.String()}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	priceErr := web.FieldError{Field: "price", Message: "Price must be greater than 0"}
	titleErr := web.FieldError{Field: "title", Message: "Title is required"}
	tests := []struct {
		name string
		body string
		want []web.FieldError
	}{
		{"missing title", `{"price":10}`, []web.FieldError{titleErr}},
		{"empty title", `{"title":"","price":10}`, []web.FieldError{titleErr}},
		{"title of spaces", `{"title":"   ","price":10}`, []web.FieldError{titleErr}},
		{"null title", `{"title":null,"price":10}`, []web.FieldError{titleErr}},
		{"number title", `{"title":12,"price":10}`, []web.FieldError{{Field: "title", Message: "Title must be a string"}}},
		{"list title", `{"title":["a"],"price":10}`, []web.FieldError{{Field: "title", Message: "Title must be a string"}}},
		{"title too long", fmt.Sprintf(`{"title":%q,"price":10}`, strings.Repeat("x", 201)), []web.FieldError{{Field: "title", Message: "Title must be at most 200 characters"}}},
		{"missing price", `{"title":"a"}`, []web.FieldError{priceErr}},
		{"null price", `{"title":"a","price":null}`, []web.FieldError{priceErr}},
		{"zero price", `{"title":"a","price":0}`, []web.FieldError{priceErr}},
		{"zero string price", `{"title":"a","price":"0.00"}`, []web.FieldError{priceErr}},
		{"negative price", `{"title":"a","price":-10}`, []web.FieldError{priceErr}},
		{"negative string price", `{"title":"a","price":"-10"}`, []web.FieldError{priceErr}},
		{"price rounding to 0 cents", `{"title":"a","price":0.004}`, []web.FieldError{priceErr}},
		{"NaN string", `{"title":"a","price":"NaN"}`, []web.FieldError{priceErr}},
		{"Infinity string", `{"title":"a","price":"Infinity"}`, []web.FieldError{priceErr}},
		{"word string", `{"title":"a","price":"abc"}`, []web.FieldError{priceErr}},
		{"empty string", `{"title":"a","price":""}`, []web.FieldError{priceErr}},
		{"bool price", `{"title":"a","price":true}`, []web.FieldError{priceErr}},
		{"object price", `{"title":"a","price":{"amount":10}}`, []web.FieldError{priceErr}},
		{"list price", `{"title":"a","price":[10]}`, []web.FieldError{priceErr}},
		{"price too high", `{"title":"a","price":1000000.01}`, []web.FieldError{{Field: "price", Message: "Price must be at most 1000000"}}},
		{"huge price", `{"title":"a","price":1e400}`, []web.FieldError{{Field: "price", Message: "Price must be at most 1000000"}}},
		{"both fields", `{"title":" ","price":-1}`, []web.FieldError{titleErr, priceErr}},
		{"empty object", `{}`, []web.FieldError{titleErr, priceErr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &tickettest.Store{}
			res := do(t, newHandler(s), http.MethodPost, "/api/tickets", tt.body, alice)
			if res.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400; body %s", res.Code, res.Body)
			}
			if diff := cmp.Diff(tt.want, res.errors(t)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if n := len(s.Events()); n != 0 {
				t.Errorf("events = %d, want 0", n)
			}
		})
	}
}

func TestCreateBadBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
		body        string
		want        int
	}{
		{"malformed JSON", "application/json", `{"title":`, http.StatusBadRequest},
		{"not an object", "application/json", `["a"]`, http.StatusBadRequest},
		{"two objects", "application/json", `{} {}`, http.StatusBadRequest},
		{"not JSON", "text/plain", `title=a`, http.StatusUnsupportedMediaType},
		{"too large", "application/json", `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := authtest.ServeType(t, newHandler(&tickettest.Store{}), key, alice, http.MethodPost, "/api/tickets", tt.contentType, tt.body)
			if rec.Code != tt.want {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.want, rec.Body)
			}
			if !strings.HasPrefix(rec.Body.String(), `{"errors":[{"message":`) {
				t.Errorf("body = %s, want the error shape", rec.Body)
			}
		})
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantTitle string
		wantPrice float64
	}{
		{"number", `{"title":"concert","price":20}`, "concert", 20},
		{"numeric string", `{"title":"concert","price":"12.50"}`, "concert", 12.5},
		{"title trimmed, price rounded", `{"title":"  concert  ","price":10.005}`, "concert", 10.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &tickettest.Store{}
			res := do(t, newHandler(s), http.MethodPost, "/api/tickets", tt.body, alice)
			if res.Code != http.StatusCreated {
				t.Fatalf("status = %d, want 201; body %s", res.Code, res.Body)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
				t.Fatal(err)
			}
			id, _ := got["id"].(string)
			want := map[string]any{"id": id, "title": tt.wantTitle, "price": tt.wantPrice, "userId": alice.ID, "version": 0.0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			wantEvents := []events.Event{events.TicketCreated{ID: id, Title: tt.wantTitle, Price: tt.wantPrice, UserID: alice.ID}}
			if diff := cmp.Diff(wantEvents, s.Events()); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestShow(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	tk := s.Put(ticket.Ticket{Title: "concert", Price: 1999, UserID: "u1", OrderID: "o1", Version: 2})
	h := newHandler(s)
	tests := []struct {
		name     string
		path     string
		wantCode int
		wantBody string
	}{
		{"reserved ticket", "/api/tickets/" + tk.ID.Hex(), 200,
			fmt.Sprintf(`{"id":%q,"title":"concert","price":19.99,"userId":"u1","version":2,"orderId":"o1"}`, tk.ID.Hex())},
		{"unknown id", "/api/tickets/" + bson.NewObjectID().Hex(), 404, `{"errors":[{"message":"Not Found"}]}`},
		{"malformed id", "/api/tickets/not-an-id", 400, `{"errors":[{"message":"Ticket id must be a valid id"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := do(t, h, http.MethodGet, tt.path, "", nil)
			if res.Code != tt.wantCode || strings.TrimSpace(res.Body) != tt.wantBody {
				t.Errorf("GET %s = %d %s, want %d %s", tt.path, res.Code, res.Body, tt.wantCode, tt.wantBody)
			}
		})
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	h := newHandler(s)
	if res := do(t, h, http.MethodGet, "/api/tickets", "", nil); res.Code != 200 || strings.TrimSpace(res.Body) != "[]" {
		t.Fatalf("empty list = %d %s, want 200 []", res.Code, res.Body)
	}
	a := s.Put(ticket.Ticket{ID: bson.NewObjectID(), Title: "a", Price: 100, UserID: "u1"})
	s.Put(ticket.Ticket{ID: bson.NewObjectID(), Title: "b", Price: 100, UserID: "u1", OrderID: "o1"})
	c := s.Put(ticket.Ticket{ID: bson.NewObjectID(), Title: "c", Price: 100, UserID: "u1"})
	res := do(t, h, http.MethodGet, "/api/tickets", "", nil)
	var got []struct{ ID, Title string }
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	want := []struct{ ID, Title string }{{a.ID.Hex(), "a"}, {c.ID.Hex(), "c"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
}

// TestUpdateCheckOrder checks the order of PUT's failures (SPEC §5): 401
// signed out; 400 validation; 404; 400 reserved; 401 not the seller.
func TestUpdateCheckOrder(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	mine := s.Put(ticket.Ticket{Title: "mine", Price: 100, UserID: alice.ID})
	reserved := s.Put(ticket.Ticket{Title: "reserved", Price: 100, UserID: alice.ID, OrderID: "o1"})
	unknown := bson.NewObjectID()
	valid, invalid := `{"title":"new","price":5}`, `{"title":"","price":5}`
	h := newHandler(s)
	tests := []struct {
		name     string
		id       string
		body     string
		user     *auth.User
		wantCode int
		wantMsg  string
	}{
		{"signed out before validation", mine.ID.Hex(), invalid, nil, 401, "Not authorized"},
		{"signed out, malformed id", "x", valid, nil, 401, "Not authorized"},
		{"malformed id", "x", valid, alice, 400, "Ticket id must be a valid id"},
		{"validation before not found", unknown.Hex(), invalid, alice, 400, "Title is required"},
		{"validation before reserved", reserved.ID.Hex(), invalid, bob, 400, "Title is required"},
		{"not found", unknown.Hex(), valid, alice, 404, "Not Found"},
		{"reserved before not the seller", reserved.ID.Hex(), valid, bob, 400, "Cannot edit a reserved ticket"},
		{"reserved", reserved.ID.Hex(), valid, alice, 400, "Cannot edit a reserved ticket"},
		{"not the seller", mine.ID.Hex(), valid, bob, 401, "Not authorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := do(t, h, http.MethodPut, "/api/tickets/"+tt.id, tt.body, tt.user)
			if res.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d; body %s", res.Code, tt.wantCode, res.Body)
			}
			if errs := res.errors(t); len(errs) == 0 || errs[0].Message != tt.wantMsg {
				t.Errorf("errors = %+v, want message %q", errs, tt.wantMsg)
			}
		})
	}
	if n := len(s.Events()); n != 0 {
		t.Errorf("events = %d, want 0", n)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	tk := s.Put(ticket.Ticket{Title: "old", Price: 100, UserID: alice.ID, Version: 4})
	res := do(t, newHandler(s), http.MethodPut, "/api/tickets/"+tk.ID.Hex(), `{"title":" new ","price":"7.5"}`, alice)
	want := fmt.Sprintf(`{"id":%q,"title":"new","price":7.5,"userId":%q,"version":5}`, tk.ID.Hex(), alice.ID)
	if res.Code != 200 || strings.TrimSpace(res.Body) != want {
		t.Fatalf("PUT = %d %s, want 200 %s", res.Code, res.Body, want)
	}
	wantEvents := []events.Event{events.TicketUpdated{ID: tk.ID.Hex(), Version: 5, Title: "new", Price: 7.5, UserID: alice.ID}}
	if diff := cmp.Diff(wantEvents, s.Events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestUpdateConflict(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	tk := s.Put(ticket.Ticket{Title: "old", Price: 100, UserID: alice.ID})
	s.BeforeSave = func(ticket.Ticket) { // another writer gets in before every attempt
		cur, _ := s.Get(context.Background(), tk.ID)
		cur.Version++
		s.Put(cur)
	}
	res := do(t, newHandler(s), http.MethodPut, "/api/tickets/"+tk.ID.Hex(), `{"title":"new","price":1}`, alice)
	want := `{"errors":[{"message":"Ticket was changed concurrently, try again"}]}`
	if res.Code != http.StatusConflict || strings.TrimSpace(res.Body) != want {
		t.Errorf("PUT = %d %s, want 409 %s", res.Code, res.Body, want)
	}
}

func TestStoreFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantCode int
		wantMsg  string
	}{
		{"server unreachable", fmt.Errorf("list: %w", context.DeadlineExceeded), 503, "Service unavailable, try again"},
		{"unexpected", errors.New("boom"), 500, "Something went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHandler(&tickettest.Store{Err: tt.err})
			for _, r := range []struct{ method, path, body string }{
				{http.MethodGet, "/api/tickets", ""},
				{http.MethodGet, "/api/tickets/" + bson.NewObjectID().Hex(), ""},
				{http.MethodPost, "/api/tickets", `{"title":"a","price":1}`},
				{http.MethodPut, "/api/tickets/" + bson.NewObjectID().Hex(), `{"title":"a","price":1}`},
			} {
				res := do(t, h, r.method, r.path, r.body, alice)
				if res.Code != tt.wantCode {
					t.Errorf("%s %s = %d %s, want %d", r.method, r.path, res.Code, res.Body, tt.wantCode)
					continue
				}
				if errs := res.errors(t); len(errs) != 1 || errs[0].Message != tt.wantMsg {
					t.Errorf("%s %s errors = %+v, want %q", r.method, r.path, errs, tt.wantMsg)
				}
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	h := newHandler(&tickettest.Store{})
	tests := []struct {
		method, path string
		user         *auth.User
		wantCode     int
	}{
		{http.MethodGet, "/healthz", nil, 200},
		{http.MethodGet, "/readyz", nil, 200},
		{http.MethodGet, "/api/nothing", nil, 404},
		{http.MethodPost, "/api/tickets", nil, 401},
		{http.MethodPut, "/api/tickets/" + bson.NewObjectID().Hex(), nil, 401},
		{http.MethodDelete, "/api/tickets/" + bson.NewObjectID().Hex(), alice, 405},
	}
	for _, tt := range tests {
		res := do(t, h, tt.method, tt.path, "", tt.user)
		if res.Code != tt.wantCode {
			t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, res.Code, res.Body, tt.wantCode)
		}
	}
}

func TestReadyzFails(t *testing.T) {
	t.Parallel()
	h := httpapi.New(&tickettest.Store{}, auth.Verifier{Key: key}, discard, map[string]web.Check{
		"nats": func(context.Context) error { return errors.New("down") },
	}, nil).Routes()
	res := do(t, h, http.MethodGet, "/readyz", "", nil)
	if res.Code != http.StatusServiceUnavailable || !strings.Contains(res.Body, "nats is not ready") {
		t.Errorf("readyz = %d %s, want 503 naming nats", res.Code, res.Body)
	}
}

// send sends a request and returns the whole recorded answer (headers too).
func send(t *testing.T, h http.Handler, method, path, body string, user *auth.User) *httptest.ResponseRecorder {
	t.Helper()
	return authtest.Serve(t, h, key, user, method, path, body)
}

var nextLink = regexp.MustCompile(`^<(/api/tickets\?[^>]*)>; rel="next"$`)

// putTickets stores n unreserved tickets with growing ids and returns them.
func putTickets(s *tickettest.Store, n int) []ticket.Ticket {
	out := make([]ticket.Ticket, n)
	for i := range out {
		out[i] = s.Put(ticket.Ticket{ID: bson.NewObjectID(), Title: "t", Price: 100, UserID: "u1"})
	}
	return out
}

func ids(t *testing.T, body string) []string {
	t.Helper()
	var got []struct{ ID string }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	out := make([]string, len(got))
	for i, g := range got {
		out[i] = g.ID
	}
	return out
}

// TestListPages: the list comes in pages of ?limit=, oldest first, each
// but the last with a Link to the next; reserved tickets are left out;
// following the links visits every ticket for sale once.
func TestListPages(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	all := putTickets(s, 5)
	s.Put(ticket.Ticket{ID: bson.NewObjectID(), Title: "reserved", Price: 100, UserID: "u1", OrderID: "o1"})
	h := newHandler(s)

	var want, got []string
	for _, tk := range all {
		want = append(want, tk.ID.Hex())
	}
	path, pages := "/api/tickets?limit=2", 0
	for path != "" {
		rec := send(t, h, http.MethodGet, path, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d %s, want 200", path, rec.Code, rec.Body)
		}
		page := ids(t, rec.Body.String())
		if len(page) > 2 {
			t.Fatalf("GET %s: %d tickets, want at most 2", path, len(page))
		}
		got = append(got, page...)
		pages++
		path = ""
		if link := rec.Header().Get("Link"); link != "" {
			m := nextLink.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link = %q, want <…>; rel=\"next\"", link)
			}
			if !strings.Contains(m[1], "limit=2") || !strings.Contains(m[1], "after="+page[len(page)-1]) {
				t.Errorf("next = %q, want after the page's last ticket %s with limit=2", m[1], page[len(page)-1])
			}
			path = m[1]
		}
		if pages > 5 {
			t.Fatal("more pages than tickets")
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tickets over all pages (-want +got):\n%s", diff)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3 (2+2+1)", pages)
	}
}

// TestListDefaultPage: without ?limit= a page holds 100 tickets, and the
// next link keeps the default.
func TestListDefaultPage(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	all := putTickets(s, httpapi.DefaultLimit+1)
	h := newHandler(s)
	rec := send(t, h, http.MethodGet, "/api/tickets", "", nil)
	if got := ids(t, rec.Body.String()); len(got) != httpapi.DefaultLimit {
		t.Fatalf("GET /api/tickets: %d tickets, want %d", len(got), httpapi.DefaultLimit)
	}
	wantLink := `</api/tickets?after=` + all[httpapi.DefaultLimit-1].ID.Hex() + `>; rel="next"`
	if got := rec.Header().Get("Link"); got != wantLink {
		t.Errorf("Link = %q, want %q", got, wantLink)
	}
	last := send(t, h, http.MethodGet, "/api/tickets?after="+all[httpapi.DefaultLimit-1].ID.Hex(), "", nil)
	if got := ids(t, last.Body.String()); len(got) != 1 || got[0] != all[httpapi.DefaultLimit].ID.Hex() {
		t.Errorf("last page = %v, want the 101st ticket", got)
	}
	if link := last.Header().Get("Link"); link != "" {
		t.Errorf("last page has Link %q, want none", link)
	}
	full := send(t, h, http.MethodGet, "/api/tickets?limit=500", "", nil)
	if got := ids(t, full.Body.String()); len(got) != len(all) || full.Header().Get("Link") != "" {
		t.Errorf("limit=500: %d tickets, Link %q; want all %d, no Link", len(got), full.Header().Get("Link"), len(all))
	}
}

// TestListBadPage: a bad ?limit= or ?after= is a 400 in the error shape,
// naming the parameter.
func TestListBadPage(t *testing.T) {
	t.Parallel()
	h := newHandler(&tickettest.Store{})
	tests := []struct{ query, field string }{
		{"limit=0", "limit"},
		{"limit=501", "limit"},
		{"limit=-1", "limit"},
		{"limit=ten", "limit"},
		{"limit=", "limit"},
		{"limit=1e2", "limit"},
		{"limit=99999999999999999999", "limit"},
		{"limit=1&limit=2", "limit"},
		{"after=nope", "after"},
		{"after=", "after"},
		{"after=000000000000000000000000", "after"},
		{"after=" + strings.Repeat("z", 24), "after"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			rec := send(t, h, http.MethodGet, "/api/tickets?"+tt.query, "", nil)
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("GET ?%s = %d %s, want 400", tt.query, rec.Code, rec.Body)
			}
			errs := response{Code: rec.Code, Body: rec.Body.String()}.errors(t)
			if len(errs) != 1 || errs[0].Field != tt.field || errs[0].Message == "" {
				t.Errorf("GET ?%s errors = %+v, want one on %q", tt.query, errs, tt.field)
			}
		})
	}
}

// quota is a ticket.Quota that allows limit creations per user.
type quota struct {
	limit int
	taken map[string]int
}

func (q *quota) Take(_ context.Context, userID string, _ time.Time) error {
	if q.taken[userID] >= q.limit {
		return &ticket.QuotaError{Limit: q.limit, Window: time.Hour, RetryAfter: 90*time.Second + time.Millisecond}
	}
	q.taken[userID]++
	return nil
}

// TestCreateQuota: past the user's hourly cap a valid creation is a 429 in
// the error shape with Retry-After (seconds, rounded up), and creates
// nothing; other users and invalid requests are unaffected.
func TestCreateQuota(t *testing.T) {
	t.Parallel()
	s := &tickettest.Store{}
	h := httpapi.New(s, auth.Verifier{Key: key}, discard, nil, &quota{limit: 2, taken: map[string]int{}}).Routes()
	body := `{"title":"concert","price":10}`
	for i := range 2 {
		if rec := send(t, h, http.MethodPost, "/api/tickets", body, alice); rec.Code != http.StatusCreated {
			t.Fatalf("creation %d = %d %s, want 201", i+1, rec.Code, rec.Body)
		}
	}
	rec := send(t, h, http.MethodPost, "/api/tickets", body, alice)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("third creation = %d %s, want 429", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Retry-After"), "91"; got != want {
		t.Errorf("Retry-After = %q, want %q", got, want)
	}
	if errs := (response{Code: rec.Code, Body: rec.Body.String()}).errors(t); len(errs) != 1 || !strings.Contains(errs[0].Message, "2 tickets") {
		t.Errorf("errors = %+v, want one naming the cap", errs)
	}
	if n := len(s.Events()); n != 2 {
		t.Errorf("tickets created = %d, want 2", n)
	}
	if rec := send(t, h, http.MethodPost, "/api/tickets", `{"title":"","price":10}`, alice); rec.Code != http.StatusBadRequest {
		t.Errorf("invalid creation past the cap = %d, want 400 (validation first)", rec.Code)
	}
	if rec := send(t, h, http.MethodPost, "/api/tickets", body, bob); rec.Code != http.StatusCreated {
		t.Errorf("another user's creation = %d %s, want 201", rec.Code, rec.Body)
	}
}
