package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/telemetry"
)

func TestHTTPCountsByRouteAndServesMetricsToDirectCallers(t *testing.T) {
	t.Parallel()
	r := chi.NewRouter()
	var seen trace.SpanContext
	r.Get("/api/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = trace.SpanContextFromContext(r.Context())
		w.WriteHeader(http.StatusTeapot)
	})
	h := telemetry.HTTP("telemetry-test-http", r)

	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	req := httptest.NewRequest("GET", "/api/things/42", nil)
	req.Header.Set("traceparent", tp)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := seen.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("handler saw trace %s, want the caller's", got)
	}
	// An unusual method is counted as OTHER, not as a label of its own.
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/api/things/42", nil))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`http_requests_total{code="418",method="GET",route="/api/things/{id}"} 1`,
		`http_requests_total{code="405",method="OTHER",route="unmatched"} 1`,
		`http_request_duration_seconds_count{method="GET",route="/api/things/{id}"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}

	proxied := httptest.NewRequest("GET", "/metrics", nil)
	proxied.Header.Set("X-Forwarded-For", "203.0.113.9")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, proxied)
	if rec.Code != http.StatusNotFound {
		t.Errorf("/metrics through a proxy = %d, want the router's 404", rec.Code)
	}
}

func TestTraceParentRoundTrip(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := telemetry.WithTraceParent(context.Background(), tp)
	if got := telemetry.TraceParent(ctx); got != tp {
		t.Errorf("TraceParent = %q, want %q", got, tp)
	}
	for _, bad := range []string{"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"} {
		if got := telemetry.TraceParent(telemetry.WithTraceParent(context.Background(), bad)); got != "" {
			t.Errorf("TraceParent of %q = %q, want none", bad, got)
		}
	}
}
