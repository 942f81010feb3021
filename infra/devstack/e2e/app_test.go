//go:build integration

package e2e_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
	"github.com/gittix/ticketing/infra/devstack/internal/devapp"
	"github.com/gittix/ticketing/infra/devstack/internal/devapp/devapptest"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

// startApp runs the whole app as `make dev` does and returns its URL. Each
// app gets its own NATS Streaming and Redis (a second app's listeners on a
// shared channel would take the first one's events), and its own
// databases on the test stack's MongoDB when MONGO_URI is set. Warnings and
// errors of the app are shown if the test fails.
func startApp(t *testing.T, env map[string]string) string {
	t.Helper()
	url, _ := runApp(t, env, func(w io.Writer) slog.Handler {
		return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})
	})
	return url
}

// runApp is startApp with the app's log handler given, and its log kept.
func runApp(t *testing.T, env map[string]string, handler func(io.Writer) slog.Handler) (string, *testenv.LogBuffer) {
	t.Helper()
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "NATS_URL", "REDIS_URL", "REDIS_HOST":
			return ""
		}
		return os.Getenv(k)
	}
	logs := &testenv.LogBuffer{}
	url := devapptest.Start(t, devapp.Config{Addr: "127.0.0.1:0", DBPrefix: "e2e" + randHex(4) + "_", Getenv: getenv},
		slog.New(handler(logs)), logs, 90*time.Second)
	return url, logs
}

// user is an API client with its own cookie jar.
type user struct {
	t     *testing.T
	base  string
	email string
	http  *http.Client
}

func newUser(t *testing.T, base string) *user {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &user{t: t, base: base, email: "u" + randHex(6) + "@example.com", http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	u.mustDo("POST", "/api/users/signup", map[string]any{"email": u.email, "password": "secret-pass"}, 201, nil)
	return u
}

// do sends a JSON request and decodes the JSON answer into out (if not nil).
func (u *user) do(method, path string, body, out any) int {
	u.t.Helper()
	api := apiclient.Client{Base: u.base, HTTP: u.http}
	a, err := api.Do(context.Background(), method, path, nil, body)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && len(a.Body) > 0 {
		if err := a.Decode(out); err != nil {
			u.t.Fatalf("%s %s: decode %q: %v", method, path, a.Body, err)
		}
	}
	return a.Status
}

func (u *user) mustDo(method, path string, body any, want int, out any) {
	u.t.Helper()
	var raw json.RawMessage
	if got := u.do(method, path, body, &raw); got != want {
		u.t.Fatalf("%s %s = %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			u.t.Fatal(err)
		}
	}
}

// eventually waits up to 20 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.Until(t, 20*time.Second, what, poll.Holds(cond))
}

type ticket struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"`
	Version int64   `json:"version"`
	OrderID string  `json:"orderId"`
}

type order struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Ticket ticket `json:"ticket"`
}

func listed(u *user, id string) bool {
	var list []ticket
	u.mustDo("GET", "/api/tickets", nil, 200, &list)
	for _, tk := range list {
		if tk.ID == id {
			return true
		}
	}
	return false
}

// order polls until the ticket is orderable (its replica reached orders)
// and orders it.
func placeOrder(t *testing.T, u *user, ticketID string) order {
	t.Helper()
	var o order
	eventually(t, "ticket orderable", func() bool {
		return u.do("POST", "/api/orders", map[string]any{"ticketId": ticketID}, &o) == http.StatusCreated
	})
	return o
}

func TestAPIFlow(t *testing.T) {
	t.Parallel()
	base := startApp(t, nil)
	seller, buyer := newUser(t, base), newUser(t, base)

	var tk ticket
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Concert", "price": 19.99}, 201, &tk)
	if !listed(buyer, tk.ID) {
		t.Fatal("new ticket not in the list")
	}

	o := placeOrder(t, buyer, tk.ID)
	if o.Status != "created" || o.Ticket.ID != tk.ID {
		t.Fatalf("order = %+v", o)
	}
	eventually(t, "ticket reserved", func() bool {
		var got ticket
		buyer.mustDo("GET", "/api/tickets/"+tk.ID, nil, 200, &got)
		return got.OrderID == o.ID
	})
	if listed(buyer, tk.ID) {
		t.Error("reserved ticket still in the list")
	}
	var other order
	if got := newUser(t, base).do("POST", "/api/orders", map[string]any{"ticketId": tk.ID}, &other); got != 400 {
		t.Errorf("second order of a reserved ticket = %d, want 400", got)
	}

	var pay struct{ ID string }
	eventually(t, "order payable", func() bool {
		return buyer.do("POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, &pay) == http.StatusCreated
	})
	if pay.ID == "" {
		t.Error("payment has no id")
	}
	eventually(t, "order complete", func() bool {
		var got order
		buyer.mustDo("GET", "/api/orders/"+o.ID, nil, 200, &got)
		return got.Status == "complete"
	})
	var orders []order
	buyer.mustDo("GET", "/api/orders", nil, 200, &orders)
	if len(orders) != 1 || orders[0].ID != o.ID || orders[0].Status != "complete" {
		t.Errorf("GET /api/orders = %+v", orders)
	}
	if got := buyer.do("POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, nil); got != 400 {
		t.Errorf("second payment = %d, want 400", got)
	}
}

func TestExpiryFlow(t *testing.T) {
	t.Parallel()
	base := startApp(t, map[string]string{"EXPIRATION_WINDOW_SECONDS": "2"})
	seller, buyer, later := newUser(t, base), newUser(t, base), newUser(t, base)

	var tk ticket
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Play", "price": 5}, 201, &tk)
	o := placeOrder(t, buyer, tk.ID)
	eventually(t, "order cancelled by expiry", func() bool {
		var got order
		buyer.mustDo("GET", "/api/orders/"+o.ID, nil, 200, &got)
		return got.Status == "cancelled"
	})
	eventually(t, "ticket back in the list", func() bool { return listed(later, tk.ID) })
	if o2 := placeOrder(t, later, tk.ID); o2.ID == o.ID {
		t.Error("re-order returned the old order")
	}
	if got := buyer.do("POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, nil); got != 400 {
		t.Errorf("paying an expired order = %d, want 400", got)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
