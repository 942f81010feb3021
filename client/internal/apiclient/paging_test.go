package apiclient_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gittix/ticketing/client/internal/apiclient"
)

// TestTicketsPage: the page's tickets, the ?after= sent, and the next
// cursor read from the API's Link header in its several spellings.
func TestTicketsPage(t *testing.T) {
	t.Parallel()
	const id1, id2 = "aaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaa2"
	tests := []struct {
		name, after, link string
		wantQuery, want   string
	}{
		{name: "first page, more remain", link: `</api/tickets?after=` + id2 + `>; rel="next"`, want: id2},
		{name: "last page", after: id1, wantQuery: "after=" + id1},
		{name: "next with a limit kept", link: `</api/tickets?after=` + id2 + `&limit=50>; rel="next"`, want: id2},
		{name: "unquoted rel among others", link: `</api/tickets>; rel=first, </api/tickets?after=` + id2 + `>; rel=next`, want: id2},
		{name: "not a next link", link: `</api/tickets?after=` + id2 + `>; rel="prev"`},
		{name: "malformed link", link: `/api/tickets?after=` + id2 + `; rel="next"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var gotQuery string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotQuery = r.URL.RawQuery
				if tt.link != "" {
					w.Header().Set("Link", tt.link)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`[{"id":"` + id1 + `","title":"a","price":1,"userId":"u","version":0}]`))
			}))
			t.Cleanup(srv.Close)
			c, err := apiclient.New(apiclient.Endpoints{Base: srv.URL}, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.Session("").TicketsPage(t.Context(), tt.after)
			if err != nil {
				t.Fatalf("TicketsPage: %v", err)
			}
			if gotQuery != tt.wantQuery {
				t.Errorf("query sent = %q, want %q", gotQuery, tt.wantQuery)
			}
			if len(p.Tickets) != 1 || p.Tickets[0].ID != id1 {
				t.Errorf("tickets = %+v, want the one answered", p.Tickets)
			}
			if p.Next != tt.want {
				t.Errorf("Next = %q, want %q", p.Next, tt.want)
			}
		})
	}
}

// TestTicketsPageError: a 400 for a bad cursor comes back as an *Error.
func TestTicketsPageError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"errors":[{"message":"After must be a valid ticket id","field":"after"}]}`))
	}))
	t.Cleanup(srv.Close)
	c, err := apiclient.New(apiclient.Endpoints{Base: srv.URL}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Session("").TicketsPage(t.Context(), "nope"); apiclient.StatusOf(err) != http.StatusBadRequest {
		t.Errorf("TicketsPage with a bad cursor: %v, want a 400 *Error", err)
	}
}
