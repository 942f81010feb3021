// Package devtrace keeps the most recent traces of the app that `make dev`
// runs in one process, and shows them, with every service's metrics, on
// pages of the dev gateway: /dev/traces (a list), /dev/traces/{id} (a
// waterfall) and /dev/metrics/{service}. Nothing to install: it is an
// OpenTelemetry SpanProcessor in memory.
package devtrace

import (
	"context"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/telemetry"
)

// Limits of what a Recorder keeps.
const (
	MaxTraces        = 300
	MaxSpansPerTrace = 500
)

// Span is one finished span, as the pages show it.
type Span struct {
	TraceID, SpanID, ParentID string
	Name, Service, Kind       string
	Start, End                time.Time
	Error                     string
	Links                     []string // trace ids this span links to
	Attrs                     map[string]string
}

// Trace is the spans of one trace id, in the order they started.
type Trace struct {
	ID    string
	Spans []Span
	seen  time.Time
}

// Root returns the span without a parent in the trace (else the first).
func (t Trace) Root() Span {
	for _, s := range t.Spans {
		if s.ParentID == "" {
			return s
		}
	}
	return t.Spans[0]
}

// Bounds returns the first start and the last end of the trace's spans.
func (t Trace) Bounds() (start, end time.Time) {
	start, end = t.Spans[0].Start, t.Spans[0].End
	for _, s := range t.Spans[1:] {
		if s.Start.Before(start) {
			start = s.Start
		}
		if s.End.After(end) {
			end = s.End
		}
	}
	return start, end
}

// Services returns the services with spans in the trace, in order of
// their first span.
func (t Trace) Services() []string {
	var out []string
	for _, s := range t.Spans {
		if s.Service != "" && !slices.Contains(out, s.Service) {
			out = append(out, s.Service)
		}
	}
	return out
}

// Recorder is a SpanProcessor keeping the last MaxTraces traces.
type Recorder struct {
	mu     sync.Mutex
	traces map[string]*Trace
}

var _ sdktrace.SpanProcessor = (*Recorder)(nil)

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{traces: map[string]*Trace{}} }

var (
	defaultOnce sync.Once
	defaultRec  *Recorder
)

// Install makes the process trace every request into one shared Recorder,
// which it returns: the global TracerProvider (sampling everything) and
// the W3C propagator. Several apps in one process (tests) share it; each
// trace is told apart by its id.
func Install() *Recorder {
	defaultOnce.Do(func() {
		defaultRec = NewRecorder()
		otel.SetTracerProvider(telemetry.NewProvider("gittix-dev", sdktrace.WithSpanProcessor(defaultRec)))
		otel.SetTextMapPropagator(propagation.TraceContext{})
	})
	return defaultRec
}

// OnStart implements SpanProcessor.
func (*Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd records s.
func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	sp := Span{
		TraceID: s.SpanContext().TraceID().String(),
		SpanID:  s.SpanContext().SpanID().String(),
		Name:    s.Name(),
		Kind:    s.SpanKind().String(),
		Start:   s.StartTime(),
		End:     s.EndTime(),
		Attrs:   map[string]string{},
	}
	if p := s.Parent(); p.IsValid() {
		sp.ParentID = p.SpanID().String()
	}
	if s.Status().Code == 1 { // codes.Error
		sp.Error = s.Status().Description
	}
	for _, l := range s.Links() {
		if l.SpanContext.IsValid() {
			sp.Links = append(sp.Links, l.SpanContext.TraceID().String())
		}
	}
	for _, a := range s.Attributes() {
		sp.Attrs[string(a.Key)] = a.Value.Emit()
	}
	sp.Service = sp.Attrs[string(telemetry.ServiceKey)]

	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.traces[sp.TraceID]
	if !ok {
		if len(r.traces) >= MaxTraces {
			r.evictOldest()
		}
		t = &Trace{ID: sp.TraceID}
		r.traces[sp.TraceID] = t
	}
	t.seen = time.Now()
	if len(t.Spans) < MaxSpansPerTrace {
		i, _ := slices.BinarySearchFunc(t.Spans, sp.Start, func(x Span, at time.Time) int { return x.Start.Compare(at) })
		t.Spans = slices.Insert(t.Spans, i, sp)
	}
}

func (r *Recorder) evictOldest() {
	var oldest *Trace
	for _, t := range r.traces {
		if oldest == nil || t.seen.Before(oldest.seen) {
			oldest = t
		}
	}
	delete(r.traces, oldest.ID)
}

// Shutdown implements SpanProcessor.
func (*Recorder) Shutdown(context.Context) error { return nil }

// ForceFlush implements SpanProcessor.
func (*Recorder) ForceFlush(context.Context) error { return nil }

// Trace returns a copy of the trace id, if it is kept.
func (r *Recorder) Trace(id trace.TraceID) (Trace, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.traces[id.String()]
	if !ok {
		return Trace{}, false
	}
	return Trace{ID: t.ID, Spans: slices.Clone(t.Spans), seen: t.seen}, true
}

// Traces returns copies of the kept traces, the most recently active first.
func (r *Recorder) Traces() []Trace {
	r.mu.Lock()
	out := make([]Trace, 0, len(r.traces))
	for _, t := range r.traces {
		out = append(out, Trace{ID: t.ID, Spans: slices.Clone(t.Spans), seen: t.seen})
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Trace) int { return b.seen.Compare(a.seen) })
	return out
}
