package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/client/internal/apiclient"
)

var testNow = time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC)

// harness is the client in front of a fake API.
type harness struct {
	api    *fakeAPI
	server *Server
	h      http.Handler
}

func newHarness(t *testing.T, opt Options) *harness {
	t.Helper()
	f := newFakeAPI(testNow)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return newHarnessAt(t, f, srv.URL, opt)
}

func newHarnessAt(t *testing.T, f *fakeAPI, apiURL string, opt Options) *harness {
	t.Helper()
	api, err := apiclient.New(apiclient.Endpoints{Base: apiURL, Host: "ticketing.dev"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	opt.Now = func() time.Time { return testNow }
	s, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), api, opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &harness{api: f, server: s, h: s.Routes()}
}

func (h *harness) get(t *testing.T, path, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

// post submits a form from our own page, as a browser does.
func (h *harness) post(t *testing.T, path, cookie string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return h.postWith(t, path, cookie, form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"})
}

func (h *harness) postWith(t *testing.T, path, cookie string, form url.Values, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d; body:\n%s", rec.Code, want, rec.Body)
	}
}

func wantRedirect(t *testing.T, rec *httptest.ResponseRecorder, to string) {
	t.Helper()
	wantStatus(t, rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != to {
		t.Fatalf("Location = %q, want %q", got, to)
	}
}

func wantBody(t *testing.T, body string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(body, w) {
			t.Errorf("page has %q", w)
		}
	}
	if t.Failed() {
		t.Logf("body:\n%s", body)
	}
}

// fixture is a small world: alice is signed in; bob sells two tickets, one
// reserved by alice's open order; alice also paid for a third.
type fixture struct {
	alice, bob                         string // user ids
	free, reserved, sold               string // ticket ids
	openOrder, paidOrder, expiredOrder string
}

func seed(f *fakeAPI) fixture {
	var x fixture
	x.alice = f.addUser("alice@example.com", "password")
	x.bob = f.addUser("bob@example.com", "password")
	x.free = f.addTicket("Concert", 20, x.bob)
	x.reserved = f.addTicket("Opera", 45.5, x.bob)
	x.sold = f.addTicket("Ballet", 12.25, x.bob)
	x.openOrder = f.addOrder(x.alice, x.reserved, "created", testNow.Add(90*time.Second))
	x.paidOrder = f.addOrder(x.alice, x.sold, "complete", testNow.Add(-time.Hour))
	x.expiredOrder = f.addOrder(x.alice, x.free, "cancelled", testNow.Add(-time.Minute))
	return x
}

// newSeeded is newHarness with the fixture seeded in its API.
func newSeeded(t *testing.T, opt Options) (*harness, fixture) {
	t.Helper()
	h := newHarness(t, opt)
	return h, seed(h.api)
}

// cookie returns alice's session cookie when signedIn, else "" (none).
func (x fixture) cookie(signedIn bool) string {
	if signedIn {
		return cookieFor(x.alice)
	}
	return ""
}

var inlineScript = regexp.MustCompile(`<script(\s[^>]*)?>[^<]`)
