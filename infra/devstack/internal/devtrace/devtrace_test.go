package devtrace

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/telemetry"
)

// record runs fn with a provider that records into a new Recorder.
func record(t *testing.T, fn func(tr trace.Tracer)) *Recorder {
	t.Helper()
	rec := NewRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	fn(tp.Tracer("test"))
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestRecorderKeepsTracesAndShowsThem(t *testing.T) {
	t.Parallel()
	var id trace.TraceID
	rec := record(t, func(tr trace.Tracer) {
		ctx, root := tr.Start(context.Background(), "POST /api/orders", trace.WithAttributes(telemetry.ServiceKey.String("orders")))
		id = root.SpanContext().TraceID()
		_, child := tr.Start(ctx, "order:created publish", trace.WithAttributes(telemetry.ServiceKey.String("orders")))
		child.End()
		_, other := tr.Start(ctx, "order:created process <script>", trace.WithAttributes(telemetry.ServiceKey.String("tickets")))
		other.End()
		root.End()
	})
	got, ok := rec.Trace(id)
	if !ok || len(got.Spans) != 3 || got.Root().Name != "POST /api/orders" {
		t.Fatalf("trace = %+v, %v", got, ok)
	}
	if s := got.Services(); len(s) != 2 || s[0] != "orders" || s[1] != "tickets" {
		t.Errorf("Services() = %v", s)
	}

	h := Handler(rec, []string{"orders"})
	for _, tc := range []struct {
		path     string
		code     int
		contains string
	}{
		{"/dev/traces", 200, "/dev/traces/" + id.String()},
		{"/dev/traces/" + id.String(), 200, "order:created process &lt;script&gt;"},
		{"/dev/traces/" + strings.Repeat("0", 31) + "1", 404, "no such trace"},
		{"/dev/traces/nonsense", 404, "no such trace"},
		{"/dev/metrics", 200, "/dev/metrics/orders"},
		{"/dev/metrics/orders", 200, "go_goroutines"},
		{"/dev/metrics/somebody", 404, ""},
	} {
		res := httptest.NewRecorder()
		h.ServeHTTP(res, httptest.NewRequest(http.MethodGet, tc.path, nil))
		body, _ := io.ReadAll(res.Body)
		if res.Code != tc.code || !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s = %d, want %d with %q:\n%.300s", tc.path, res.Code, tc.code, tc.contains, body)
		}
	}
}

func TestRecorderKeepsTheLatestTraces(t *testing.T) {
	t.Parallel()
	var first, last trace.TraceID
	rec := record(t, func(tr trace.Tracer) {
		for i := range MaxTraces + 10 {
			_, s := tr.Start(context.Background(), "span")
			if i == 0 {
				first = s.SpanContext().TraceID()
			}
			last = s.SpanContext().TraceID()
			s.End()
		}
	})
	if n := len(rec.Traces()); n != MaxTraces {
		t.Errorf("%d traces kept, want %d", n, MaxTraces)
	}
	if _, ok := rec.Trace(first); ok {
		t.Error("the oldest trace is still kept")
	}
	if _, ok := rec.Trace(last); !ok {
		t.Error("the newest trace is gone")
	}
}
