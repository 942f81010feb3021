//go:build integration

package e2e_test

import (
	"bufio"
	"crypto/rand"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/infra/devstack/internal/devtrace"
)

// traced sends every request with one traceparent: the requests of one
// purchase, as a traced browser session or edge would send them.
type traced struct{ tp string }

func (t traced) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("traceparent", t.tp)
	return http.DefaultTransport.RoundTrip(r)
}

// TestOnePurchaseOneTrace runs sign-up → sell → buy → pay through the real
// services and the bus, every request in one trace, and finds that trace in
// the in-memory recorder make dev installs: spans of the client, auth,
// tickets, orders, expiration and payments, the events' producer and
// consumer spans across the outbox and NATS, the Stripe call, and the
// delayed expiration job of a second order as a trace linked to it. The
// /metrics of the services move as the flow runs.
func TestOnePurchaseOneTrace(t *testing.T) {
	t.Parallel()
	rec := devtrace.Install()
	base := startApp(t, map[string]string{"EXPIRATION_WINDOW_SECONDS": "5"})
	before := scrape(t, base)

	var traceID trace.TraceID
	rand.Read(traceID[:])
	tp := "00-" + traceID.String() + "-00f067aa0ba902b7-01"
	jar, _ := cookiejar.New(nil)
	u := &user{t: t, base: base, email: "trace" + randHex(6) + "@example.com",
		http: &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: traced{tp}}}
	u.mustDo("POST", "/api/users/signup", map[string]any{"email": u.email, "password": "secret-pass"}, 201, nil)

	var paid, expiring ticket
	u.mustDo("POST", "/api/tickets", map[string]any{"title": "Traced", "price": 12.5}, 201, &paid)
	u.mustDo("POST", "/api/tickets", map[string]any{"title": "Left to expire", "price": 3}, 201, &expiring)
	// A page of the web client, which calls tickets on the API.
	if got := u.page("/tickets/" + paid.ID); got != http.StatusOK {
		t.Fatalf("GET /tickets/%s through the client = %d", paid.ID, got)
	}
	buyer := u // one user sells and buys: only the trace matters here
	o := placeOrder(t, buyer, paid.ID)
	placeOrder(t, buyer, expiring.ID)
	eventually(t, "order payable", func() bool {
		return buyer.do("POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, nil) == http.StatusCreated
	})

	want := []struct{ service, span string }{
		{"client", "GET /tickets/{id}"},
		{"auth", "POST /api/users/signup"},
		{"tickets", "POST /api/tickets"},
		{"tickets", "ticket:created publish"},
		{"orders", "ticket:created process"},
		{"orders", "POST /api/orders"},
		{"orders", "order:created publish"},
		{"tickets", "order:created process"},
		{"expiration", "order:created process"},
		{"payments", "order:created process"},
		{"orders", "ticket:updated process"},
		{"payments", "POST /api/payments"},
		{"payments", "payment:created publish"},
		{"orders", "payment:created process"},
	}
	var got devtrace.Trace
	eventually(t, "every span of the purchase in one trace", func() bool {
		got, _ = rec.Trace(traceID)
		for _, w := range want {
			if !slices.ContainsFunc(got.Spans, func(s devtrace.Span) bool { return s.Service == w.service && s.Name == w.span }) {
				return false
			}
		}
		return true
	})
	if t.Failed() {
		for _, s := range got.Spans {
			t.Logf("span %s %q", s.Service, s.Name)
		}
		return
	}
	start, end := got.Bounds()
	t.Logf("trace %s: %d spans of %v over %v", got.ID, len(got.Spans), got.Services(), end.Sub(start))
	// The Stripe call is a client span under payments' request.
	byID := map[string]devtrace.Span{}
	for _, s := range got.Spans {
		byID[s.SpanID] = s
	}
	if !slices.ContainsFunc(got.Spans, func(s devtrace.Span) bool {
		return s.Kind == "client" && strings.HasPrefix(s.Name, "POST ") && byID[s.ParentID].Service == "payments"
	}) {
		t.Error("no client span of the Stripe call under payments")
	}
	if !slices.ContainsFunc(got.Spans, func(s devtrace.Span) bool { return s.Name == "insert orders" || strings.HasPrefix(s.Name, "insert ") }) {
		t.Error("no MongoDB command span in the trace")
	}
	// The second order's delayed job: a trace of its own, linked to ours.
	eventually(t, "the expiration job's trace linked to the purchase", func() bool {
		for _, tr := range rec.Traces() {
			for _, s := range tr.Spans {
				if s.Name == "order:expire run" && slices.Contains(s.Links, traceID.String()) {
					return slices.ContainsFunc(tr.Spans, func(s devtrace.Span) bool { return s.Name == "expiration:complete publish" })
				}
			}
		}
		return false
	})

	after := scrape(t, base)
	for _, m := range []string{
		`orders orders_total{outcome="created"}`,
		`orders orders_total{outcome="paid"}`,
		`orders events_handled_total{outcome="ack",subject="payment:created"}`,
		`tickets events_published_total{subject="ticket:created"}`,
		`orders http_requests_total{code="201",method="POST",route="/api/orders"}`,
		`payments http_requests_total{code="201",method="POST",route="/api/payments"}`,
		`client http_requests_total{code="200",method="GET",route="/tickets/{id}"}`,
		`expiration event_handler_duration_seconds_count{subject="order:created"}`,
	} {
		if after[m] <= before[m] {
			t.Errorf("%s = %v after the flow, %v before: want it to grow", m, after[m], before[m])
		}
	}
	eventually(t, "an expiration counted", func() bool {
		now := scrape(t, base)
		return now[`orders orders_total{outcome="expired"}`] > before[`orders orders_total{outcome="expired"}`] &&
			now[`expiration expiration_lag_seconds_count`] > before[`expiration expiration_lag_seconds_count`]
	})
	if !slices.ContainsFunc(slices.Collect(maps.Keys(after)), func(k string) bool {
		return strings.HasPrefix(k, `tickets outbox_pending_events{collection="tickets",`)
	}) {
		t.Error("tickets reports no outbox backlog")
	}
}

// page GETs path through the gateway (the web client) and returns the status.
func (u *user) page(path string) int {
	u.t.Helper()
	res, err := u.http.Get(u.base + path)
	if err != nil {
		u.t.Fatalf("GET %s: %v", path, err)
	}
	res.Body.Close()
	return res.StatusCode
}

// scrape reads every service's /metrics through the dev gateway into
// "<service> <series>" → value.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, svc := range []string{"auth", "tickets", "orders", "expiration", "payments", "client"} {
		res, err := http.Get(base + "/dev/metrics/" + svc)
		if err != nil {
			t.Fatalf("scrape %s: %v", svc, err)
		}
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || line[0] == '#' {
				continue
			}
			i := strings.LastIndexByte(line, ' ')
			v, err := strconv.ParseFloat(line[i+1:], 64)
			if err == nil {
				out[svc+" "+line[:i]] += v
			}
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("scrape %s: %d", svc, res.StatusCode)
		}
	}
	return out
}
