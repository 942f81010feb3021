package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// otlpJSON exports spans over OTLP/HTTP with the JSON encoding (the
// collector's otlp receiver accepts it on /v1/traces). It is ours rather
// than the SDK's otlptracehttp, whose protobuf types bring gRPC and
// grpc-gateway along: 10 MB more binary and 5 MB more resident memory in
// every service, for the same requests.
type otlpJSON struct {
	url     string
	headers map[string]string
	client  *http.Client
}

// newOTLPJSON reads the standard settings: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
// (the full URL) or OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces),
// OTEL_EXPORTER_OTLP_HEADERS (k=v,…) and OTEL_EXPORTER_OTLP_TIMEOUT (ms,
// default 10000).
func newOTLPJSON(getenv func(string) string) (*otlpJSON, error) {
	u := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if u == "" {
		u = strings.TrimRight(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), "/") + "/v1/traces"
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got %q", u)
	}
	timeout := 10 * time.Second
	if v := getenv("OTEL_EXPORTER_OTLP_TIMEOUT"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_TIMEOUT must be milliseconds, got %q", v)
		}
		timeout = time.Duration(ms) * time.Millisecond
	}
	headers := map[string]string{}
	for _, kv := range strings.Split(getenv("OTEL_EXPORTER_OTLP_HEADERS"), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return &otlpJSON{url: u, headers: headers, client: &http.Client{Timeout: timeout}}, nil
}

// The OTLP JSON shapes (opentelemetry-proto, JSON mapping: ids in hex,
// 64-bit integers as decimal strings, enums as numbers).
type (
	otlpRequest struct {
		ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
	}
	otlpResourceSpans struct {
		Resource   otlpResource     `json:"resource"`
		ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
	}
	otlpResource struct {
		Attributes []otlpKeyValue `json:"attributes"`
	}
	otlpScopeSpans struct {
		Scope otlpScope  `json:"scope"`
		Spans []otlpSpan `json:"spans"`
	}
	otlpScope struct {
		Name    string `json:"name"`
		Version string `json:"version,omitempty"`
	}
	otlpSpan struct {
		TraceID      string         `json:"traceId"`
		SpanID       string         `json:"spanId"`
		ParentSpanID string         `json:"parentSpanId,omitempty"`
		TraceState   string         `json:"traceState,omitempty"`
		Name         string         `json:"name"`
		Kind         int            `json:"kind"`
		Start        string         `json:"startTimeUnixNano"`
		End          string         `json:"endTimeUnixNano"`
		Attributes   []otlpKeyValue `json:"attributes,omitempty"`
		Events       []otlpEvent    `json:"events,omitempty"`
		Links        []otlpLink     `json:"links,omitempty"`
		Status       otlpStatus     `json:"status"`
	}
	otlpEvent struct {
		Time       string         `json:"timeUnixNano"`
		Name       string         `json:"name"`
		Attributes []otlpKeyValue `json:"attributes,omitempty"`
	}
	otlpLink struct {
		TraceID    string         `json:"traceId"`
		SpanID     string         `json:"spanId"`
		Attributes []otlpKeyValue `json:"attributes,omitempty"`
	}
	otlpStatus struct {
		Code    int    `json:"code,omitempty"` // 0 unset, 1 ok, 2 error
		Message string `json:"message,omitempty"`
	}
	otlpKeyValue struct {
		Key   string       `json:"key"`
		Value otlpAnyValue `json:"value"`
	}
	otlpAnyValue struct {
		String *string       `json:"stringValue,omitempty"`
		Bool   *bool         `json:"boolValue,omitempty"`
		Int    *string       `json:"intValue,omitempty"`
		Double *float64      `json:"doubleValue,omitempty"`
		Array  *otlpArrayVal `json:"arrayValue,omitempty"`
	}
	otlpArrayVal struct {
		Values []otlpAnyValue `json:"values"`
	}
)

// ExportSpans implements sdktrace.SpanExporter: one POST per batch.
func (e *otlpJSON) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	body, err := json.Marshal(otlpBody(spans))
	if err != nil {
		return fmt.Errorf("otlp: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("otlp: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range e.headers {
		req.Header.Set(k, v)
	}
	res, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("otlp: export %d spans: %w", len(spans), err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("otlp: export %d spans: %s: %s", len(spans), res.Status, msg)
	}
	return nil
}

// Shutdown implements sdktrace.SpanExporter.
func (e *otlpJSON) Shutdown(context.Context) error {
	e.client.CloseIdleConnections()
	return nil
}

// otlpBody groups spans by resource and instrumentation scope.
func otlpBody(spans []sdktrace.ReadOnlySpan) otlpRequest {
	var req otlpRequest
	type key struct{ res, scope string }
	index := map[key][2]int{}
	resIndex := map[string]int{}
	for _, s := range spans {
		res := s.Resource().Encoded(attribute.DefaultEncoder())
		scope := s.InstrumentationScope()
		ri, ok := resIndex[res]
		if !ok {
			ri = len(req.ResourceSpans)
			resIndex[res] = ri
			req.ResourceSpans = append(req.ResourceSpans, otlpResourceSpans{Resource: otlpResource{Attributes: otlpAttrs(s.Resource().Attributes())}})
		}
		k := key{res, scope.Name + "\x00" + scope.Version}
		at, ok := index[k]
		if !ok {
			rs := &req.ResourceSpans[ri]
			at = [2]int{ri, len(rs.ScopeSpans)}
			index[k] = at
			rs.ScopeSpans = append(rs.ScopeSpans, otlpScopeSpans{Scope: otlpScope{Name: scope.Name, Version: scope.Version}})
		}
		ss := &req.ResourceSpans[at[0]].ScopeSpans[at[1]]
		ss.Spans = append(ss.Spans, toOTLPSpan(s))
	}
	return req
}

func toOTLPSpan(s sdktrace.ReadOnlySpan) otlpSpan {
	sc := s.SpanContext()
	out := otlpSpan{
		TraceID:    sc.TraceID().String(),
		SpanID:     sc.SpanID().String(),
		TraceState: sc.TraceState().String(),
		Name:       s.Name(),
		Kind:       int(s.SpanKind()), // the SDK's numbers are OTLP's: internal 1 … consumer 5
		Start:      nanos(s.StartTime()),
		End:        nanos(s.EndTime()),
		Attributes: otlpAttrs(s.Attributes()),
	}
	if p := s.Parent(); p.IsValid() {
		out.ParentSpanID = p.SpanID().String()
	}
	switch s.Status().Code {
	case codes.Ok:
		out.Status.Code = 1
	case codes.Error:
		out.Status = otlpStatus{Code: 2, Message: s.Status().Description}
	}
	for _, ev := range s.Events() {
		out.Events = append(out.Events, otlpEvent{Time: nanos(ev.Time), Name: ev.Name, Attributes: otlpAttrs(ev.Attributes)})
	}
	for _, l := range s.Links() {
		out.Links = append(out.Links, otlpLink{TraceID: l.SpanContext.TraceID().String(),
			SpanID: l.SpanContext.SpanID().String(), Attributes: otlpAttrs(l.Attributes)})
	}
	return out
}

func nanos(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

func otlpAttrs(kvs []attribute.KeyValue) []otlpKeyValue {
	out := make([]otlpKeyValue, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, otlpKeyValue{Key: string(kv.Key), Value: otlpValue(kv.Value)})
	}
	return out
}

func otlpValue(v attribute.Value) otlpAnyValue {
	ptr := func(s string) *string { return &s }
	switch v.Type() {
	case attribute.BOOL:
		b := v.AsBool()
		return otlpAnyValue{Bool: &b}
	case attribute.INT64:
		return otlpAnyValue{Int: ptr(strconv.FormatInt(v.AsInt64(), 10))}
	case attribute.FLOAT64:
		f := v.AsFloat64()
		return otlpAnyValue{Double: &f}
	case attribute.STRINGSLICE:
		vals := []otlpAnyValue{}
		for _, s := range v.AsStringSlice() {
			vals = append(vals, otlpAnyValue{String: ptr(s)})
		}
		return otlpAnyValue{Array: &otlpArrayVal{Values: vals}}
	case attribute.INT64SLICE:
		vals := []otlpAnyValue{}
		for _, n := range v.AsInt64Slice() {
			vals = append(vals, otlpAnyValue{Int: ptr(strconv.FormatInt(n, 10))})
		}
		return otlpAnyValue{Array: &otlpArrayVal{Values: vals}}
	default: // strings, and the rest as their text
		return otlpAnyValue{String: ptr(v.Emit())}
	}
}
