package apiclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gittix/ticketing/client/internal/apiclient"
	"github.com/gittix/ticketing/common/web"
)

func newClient(t *testing.T, h http.HandlerFunc, host string) *apiclient.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := apiclient.New(apiclient.Endpoints{Base: srv.URL + "/", Host: host}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSessionForwardsCookieAndHostAndCollectsSetCookie(t *testing.T) {
	t.Parallel()
	type seen struct{ method, path, host, cookie, contentType, body string }
	seenc := make(chan seen, 1)
	setCookies := []string{
		"session=eyJqd3QiOiJ4In0=; path=/; httponly; samesite=lax",
		"other=1; Max-Age=60; Secure",
	}
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seenc <- seen{r.Method, r.URL.Path, r.Host, r.Header.Get("Cookie"), r.Header.Get("Content-Type"), string(b)}
		for _, v := range setCookies {
			w.Header().Add("Set-Cookie", v)
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"u1","email":"a@b.co"}`)
	}, "ticketing.dev")

	s := c.Session("session=abc; theme=dark")
	if err := s.SignUp(context.Background(), "a@b.co", "pw12"); err != nil {
		t.Fatalf("SignUp: %v", err)
	}
	want := seen{"POST", "/api/users/signup", "ticketing.dev", "session=abc; theme=dark", "application/json",
		`{"email":"a@b.co","password":"pw12"}`}
	if got := <-seenc; got != want {
		t.Errorf("API saw %+v, want %+v", got, want)
	}
	if !reflect.DeepEqual(s.SetCookies(), setCookies) {
		t.Errorf("SetCookies() = %q, want %q", s.SetCookies(), setCookies)
	}
}

func TestCurrentUser(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       *apiclient.User
	}{
		{"signed in", `{"currentUser":{"id":"u1","email":"a@b.co","iat":1700000000,"exp":1700086400}}`, &apiclient.User{ID: "u1", Email: "a@b.co"}},
		{"signed out", `{"currentUser":null}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tc.body) }, "")
			got, err := c.Session("").CurrentUser(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CurrentUser() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDecodesSpecShapes(t *testing.T) {
	t.Parallel()
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/tickets/t1":
			io.WriteString(w, `{"id":"t1","title":"Gig","price":12.5,"userId":"u1","version":3,"orderId":"o1"}`)
		case "/api/orders":
			io.WriteString(w, `[{"id":"o1","userId":"u1","status":"awaiting:payment","expiresAt":"2030-01-02T15:04:05.5Z","version":1,"ticket":{"id":"t1","title":"Gig","price":12.5,"version":3}}]`)
		}
	}, "")
	s := c.Session("")
	tk, err := s.Ticket(context.Background(), "t1")
	if err != nil {
		t.Fatal(err)
	}
	if want := (apiclient.Ticket{ID: "t1", Title: "Gig", Price: 12.5, UserID: "u1", Version: 3, OrderID: "o1"}); tk != want {
		t.Errorf("Ticket = %+v, want %+v", tk, want)
	}
	orders, err := s.Orders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []apiclient.Order{{ID: "o1", UserID: "u1", Status: apiclient.StatusAwaitingPayment,
		ExpiresAt: time.Date(2030, 1, 2, 15, 4, 5, 5e8, time.UTC), Version: 1,
		Ticket: apiclient.OrderTicket{ID: "t1", Title: "Gig", Price: 12.5, Version: 3}}}
	if !reflect.DeepEqual(orders, want) {
		t.Errorf("Orders = %+v, want %+v", orders, want)
	}
}

func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   []web.FieldError
	}{
		{"validation", 400, `{"errors":[{"message":"Email must be valid","field":"email"},{"message":"Password must be between 4 and 20 characters","field":"password"}]}`,
			[]web.FieldError{{Message: "Email must be valid", Field: "email"}, {Message: "Password must be between 4 and 20 characters", Field: "password"}}},
		{"not found", 404, `{"errors":[{"message":"Not Found"}]}`, []web.FieldError{{Message: "Not Found"}}},
		{"proxy page", 502, `<html>bad gateway</html>`, []web.FieldError{{Message: "Bad Gateway"}}},
		{"empty body", 503, ``, []web.FieldError{{Message: "Service Unavailable"}}},
		{"unknown status", 599, `{}`, []web.FieldError{{Message: "Error 599"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}, "")
			_, err := c.Session("").Tickets(context.Background())
			var e *apiclient.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *apiclient.Error", err)
			}
			if e.Status != tc.status || !reflect.DeepEqual(e.Errors, tc.want) {
				t.Errorf("error = %d %+v, want %d %+v", e.Status, e.Errors, tc.status, tc.want)
			}
			if got := apiclient.StatusOf(err); got != tc.status {
				t.Errorf("StatusOf = %d, want %d", got, tc.status)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(slow.Close)
	for name, url := range map[string]string{"refused": down.URL, "timeout": slow.URL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := apiclient.New(apiclient.Endpoints{Base: url}, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Session("").CurrentUser(context.Background())
			if !errors.Is(err, apiclient.ErrUnreachable) {
				t.Errorf("err = %v, want ErrUnreachable", err)
			}
		})
	}
}

func TestDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
	}, "")
	if _, err := c.Session("session=secret").Tickets(context.Background()); err == nil {
		t.Error("a redirect was taken for an answer")
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

func TestCreateTicketSendsPrice(t *testing.T) {
	t.Parallel()
	tests := []struct{ typed, sent string }{
		{"12.5", `{"title":"Gig","price":12.5}`},
		{" 7 ", `{"title":"Gig","price":7}`},
		{"ten", `{"title":"Gig","price":"ten"}`},
		{"Inf", `{"title":"Gig","price":"Inf"}`},
		{"0x10", `{"title":"Gig","price":"0x10"}`},
		{"", `{"title":"Gig","price":""}`},
	}
	for _, tc := range tests {
		t.Run(tc.typed, func(t *testing.T) {
			t.Parallel()
			sent := make(chan string, 1)
			c := newClient(t, func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				sent <- string(b)
				w.WriteHeader(201)
				io.WriteString(w, `{"id":"t1","title":"Gig","price":1,"userId":"u1","version":0}`)
			}, "")
			if _, err := c.Session("").CreateTicket(context.Background(), "Gig", tc.typed); err != nil {
				t.Fatal(err)
			}
			if got := <-sent; got != tc.sent {
				t.Errorf("sent %s, want %s", got, tc.sent)
			}
		})
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := apiclient.New(apiclient.Endpoints{Base: u}, time.Second); err == nil {
			t.Errorf("New(%q) succeeded", u)
		}
	}
}

// TestServicesAreCalledDirectly: a prefix with its own URL goes to that
// service, without the edge's Host header; the others go to the edge.
func TestServicesAreCalledDirectly(t *testing.T) {
	t.Parallel()
	type hit struct{ server, path, host string }
	hits := make(chan hit, 4)
	serve := func(name, body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits <- hit{name, r.URL.Path, r.Host}
			io.WriteString(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	edge := serve("edge", `[]`)
	auth := serve("auth", `{"currentUser":null}`)
	orders := serve("orders", `[]`)
	c, err := apiclient.New(apiclient.Endpoints{
		Base: edge.URL, Host: "ticketing.dev",
		Services: map[string]string{"/api/users": auth.URL + "/", "/api/orders": orders.URL},
	}, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Session("")
	ctx := context.Background()
	if _, err := s.CurrentUser(ctx); err != nil {
		t.Fatalf("CurrentUser: %v", err)
	}
	if _, err := s.Orders(ctx); err != nil {
		t.Fatalf("Orders: %v", err)
	}
	if _, err := s.Tickets(ctx); err != nil {
		t.Fatalf("Tickets: %v", err)
	}
	for _, want := range []hit{
		{"auth", "/api/users/currentuser", strings.TrimPrefix(auth.URL, "http://")},
		{"orders", "/api/orders", strings.TrimPrefix(orders.URL, "http://")},
		{"edge", "/api/tickets", "ticketing.dev"},
	} {
		if got := <-hits; got != want {
			t.Errorf("request went to %+v, want %+v", got, want)
		}
	}
}

// TestNoEdgeForAnUnmappedPrefix: with service URLs only, a path no service
// serves is an ErrUnreachable, not a request to an empty URL.
func TestNoEdgeForAnUnmappedPrefix(t *testing.T) {
	t.Parallel()
	c, err := apiclient.New(apiclient.Endpoints{Services: map[string]string{"/api/users": "http://127.0.0.1:1"}}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Session("").Tickets(context.Background()); !errors.Is(err, apiclient.ErrUnreachable) {
		t.Errorf("Tickets = %v, want ErrUnreachable", err)
	}
	if _, err := apiclient.New(apiclient.Endpoints{Services: map[string]string{"/api/users": "auth-srv:3000"}}, time.Second); err == nil {
		t.Error("New accepted a service URL without a scheme")
	}
}
