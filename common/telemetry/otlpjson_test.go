package telemetry

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestOTLPJSONEncoding checks the request against the OTLP JSON mapping:
// hex ids, decimal-string nanoseconds and integers, numeric kinds, OTLP's
// status codes (error = 2, where the SDK's is 1), links, the resource's
// service.name and the headers of OTEL_EXPORTER_OTLP_HEADERS.
func TestOTLPJSONEncoding(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer srv.Close()
	exp, err := newOTLPJSON(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL + "/", "OTEL_EXPORTER_OTLP_HEADERS": "authorization=Bearer x, team = gittix"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	tp := NewProvider("otlp-test", sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer("scope-a")
	ctx, parent := tr.Start(context.Background(), "POST /api/orders", trace.WithSpanKind(trace.SpanKindServer))
	linked := trace.SpanContextFromContext(ctx)
	_, child := tr.Start(ctx, "order:created process", trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithLinks(trace.Link{SpanContext: linked}),
		trace.WithAttributes(attribute.Int64("seq", 42), attribute.Bool("redelivered", true), attribute.StringSlice("s", []string{"a"})))
	child.SetStatus(codes.Error, "boom")
	child.End()
	parent.End()
	if err := exp.ExportSpans(context.Background(), rec.Ended()); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/json" ||
		r.Header.Get("Authorization") != "Bearer x" || r.Header.Get("Team") != "gittix" {
		t.Errorf("request %s %v", r.URL.Path, r.Header)
	}
	var body otlpRequest
	if err := json.Unmarshal(<-bodies, &body); err != nil {
		t.Fatal(err)
	}
	if len(body.ResourceSpans) != 1 || len(body.ResourceSpans[0].ScopeSpans) != 1 {
		t.Fatalf("body = %+v", body)
	}
	rs := body.ResourceSpans[0]
	if !strings.Contains(mustJSON(t, rs.Resource), `{"key":"service.name","value":{"stringValue":"otlp-test"}}`) {
		t.Errorf("resource = %s", mustJSON(t, rs.Resource))
	}
	spans := rs.ScopeSpans[0].Spans
	if rs.ScopeSpans[0].Scope.Name != "scope-a" || len(spans) != 2 {
		t.Fatalf("scope spans = %+v", rs.ScopeSpans[0])
	}
	c, p := spans[0], spans[1]
	if c.TraceID != linked.TraceID().String() || len(c.TraceID) != 32 || c.ParentSpanID != p.SpanID || len(c.SpanID) != 16 ||
		c.Kind != 5 || p.Kind != 2 || c.Status != (otlpStatus{Code: 2, Message: "boom"}) || p.Status != (otlpStatus{}) {
		t.Errorf("spans = %+v", spans)
	}
	if len(c.Links) != 1 || c.Links[0].SpanID != linked.SpanID().String() {
		t.Errorf("links = %+v", c.Links)
	}
	if attrs := mustJSON(t, c.Attributes); !strings.Contains(attrs, `{"key":"seq","value":{"intValue":"42"}}`) ||
		!strings.Contains(attrs, `{"key":"redelivered","value":{"boolValue":true}}`) ||
		!strings.Contains(attrs, `{"key":"s","value":{"arrayValue":{"values":[{"stringValue":"a"}]}}}`) {
		t.Errorf("attributes = %s", attrs)
	}
	if c.Start == "" || c.End < c.Start || strings.ContainsAny(c.Start, ".e") {
		t.Errorf("times %q, %q: want decimal nanoseconds", c.Start, c.End)
	}
}

func TestOTLPJSONErrors(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_TIMEOUT": "soon"},
	} {
		if _, err := newOTLPJSON(func(k string) string { return env[k] }); err == nil {
			t.Errorf("settings %v accepted", env)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	exp, err := newOTLPJSON(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": srv.URL + "/custom"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := tracetest.NewSpanRecorder()
	_, s := NewProvider("x", sdktrace.WithSpanProcessor(rec)).Tracer("t").Start(context.Background(), "s")
	s.End()
	if err := exp.ExportSpans(context.Background(), rec.Ended()); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("export to a 503 = %v, want an error naming it", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
