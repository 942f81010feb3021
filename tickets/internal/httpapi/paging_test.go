package httpapi_test

import (
	"context"
	"encoding/json"
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
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/ticket"
	"github.com/gittix/ticketing/tickets/internal/ticket/tickettest"
)

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
