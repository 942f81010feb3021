package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pagedAPI answers GET /api/tickets as the tickets service does: pages of
// size tickets after ?after=, with a Link rel="next" while more remain. It
// answers every other path as signed out.
func pagedAPI(t *testing.T, n, size int) http.Handler {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%024x", 0xfeed00+i)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/tickets" {
			w.Write([]byte(`{"currentUser":null}`))
			return
		}
		start := 0
		if after := r.URL.Query().Get("after"); after != "" {
			start = -1
			for i, id := range ids {
				if id == after {
					start = i + 1
				}
			}
			if start < 0 {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"errors":[{"message":"After must be a valid ticket id","field":"after"}]}`))
				return
			}
		}
		end := min(start+size, n)
		var out []map[string]any
		for i, id := range ids[start:end] {
			out = append(out, map[string]any{"id": id, "title": "ticket " + strconv.Itoa(start+i), "price": 10, "userId": "u", "version": 0})
		}
		if end < n {
			w.Header().Set("Link", `</api/tickets?after=`+ids[end-1]+`>; rel="next"`)
		}
		json.NewEncoder(w).Encode(out)
	})
}

// pagedClient is the client's pages in front of api (a pagedAPI).
func pagedClient(t *testing.T, api http.Handler) *harness {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return newHarnessAt(t, nil, srv.URL, Options{})
}

var (
	nextHref = regexp.MustCompile(`<a id="next-page" rel="next" href="([^"]*)">Next</a>`)
	rowRE    = regexp.MustCompile(`data-ticket-id="([0-9a-f]{24})"`)
)

func getPage(t *testing.T, h *harness, path string) (rows []string, next string, code int) {
	t.Helper()
	rec := h.get(t, path, "")
	body := rec.Body.String()
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		rows = append(rows, m[1])
	}
	if m := nextHref.FindStringSubmatch(body); m != nil {
		next = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return rows, next, rec.Code
}

// TestIndexPages: the home page shows the API's first page and a Next link
// (/?after=<id>) while the API's Link header says more remain; following
// the links shows every ticket once; the last page has no Next link.
func TestIndexPages(t *testing.T) {
	t.Parallel()
	h := pagedClient(t, pagedAPI(t, 5, 2))
	seen := map[string]bool{}
	path, pages := "/", 0
	for path != "" {
		rows, next, code := getPage(t, h, path)
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", path, code)
		}
		if len(rows) == 0 || len(rows) > 2 {
			t.Fatalf("GET %s shows %d tickets, want 1 or 2", path, len(rows))
		}
		for _, id := range rows {
			if seen[id] {
				t.Errorf("ticket %s shown twice", id)
			}
			seen[id] = true
		}
		if next != "" && next != "/?after="+rows[len(rows)-1] {
			t.Errorf("Next = %q, want /?after=%s", next, rows[len(rows)-1])
		}
		path = next
		if pages++; pages > 5 {
			t.Fatal("more pages than tickets")
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("saw %d tickets on %d pages, want 5 on 3", len(seen), pages)
	}
}

// TestIndexOnePage: no Next link when everything fits on one page.
func TestIndexOnePage(t *testing.T) {
	t.Parallel()
	h := pagedClient(t, pagedAPI(t, 2, 100))
	rows, next, code := getPage(t, h, "/")
	if code != http.StatusOK || len(rows) != 2 || next != "" {
		t.Errorf("GET / = %d, %d tickets, Next %q; want 200, 2, none", code, len(rows), next)
	}
}

// TestIndexBadCursor: a cursor the API rejects is the API's 400, not a 5xx.
func TestIndexBadCursor(t *testing.T) {
	t.Parallel()
	h := pagedClient(t, pagedAPI(t, 2, 100))
	if _, _, code := getPage(t, h, "/?after=nope"); code != http.StatusBadRequest {
		t.Errorf("GET /?after=nope = %d, want 400", code)
	}
}
