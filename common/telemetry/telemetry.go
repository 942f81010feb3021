// Package telemetry gives every GitTix service its traces and metrics.
//
// Traces use OpenTelemetry's global TracerProvider: Setup installs one that
// exports over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; without it the
// global provider stays OpenTelemetry's no-op one, whose spans cost next to
// nothing and still pass a caller's trace context on. The trace context
// crosses the asynchronous hops as a W3C traceparent: stored with an outbox
// entry, sent with the event (see package bus), carried by an asynq task.
//
// Metrics are Prometheus metrics in one registry per service name (For),
// served on the service's /metrics by Handler; several services in one
// process (make dev) keep theirs apart.
package telemetry

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// ServiceKey is the span attribute naming the service that made a span, so
// that spans of several services in one process (make dev) tell theirs apart.
const ServiceKey = attribute.Key("service.name")

// Tracer is the tracer of GitTix's own spans, from the global provider.
func Tracer() trace.Tracer { return otel.Tracer("github.com/gittix/ticketing") }

// Metrics is one service's Prometheus registry and the metrics every
// service shares.
type Metrics struct {
	Service  string
	Registry *prometheus.Registry

	// HTTP: requests and their duration by route pattern, method and status.
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
	// Events: published and handled by subject; handled by outcome (ack,
	// retry, drop, poison, panic, parked); redeliveries seen; handler time.
	Published   *prometheus.CounterVec
	Handled     *prometheus.CounterVec
	Redelivered *prometheus.CounterVec
	HandlerTime *prometheus.HistogramVec

	mu     sync.Mutex
	extras map[string]prometheus.Collector
}

var (
	registryMu sync.Mutex
	registries = map[string]*Metrics{}
)

// For returns the metrics of service, made on first use; the same name gives
// the same registry (two replicas in one test process add up).
func For(service string) *Metrics {
	registryMu.Lock()
	defer registryMu.Unlock()
	if m, ok := registries[service]; ok {
		return m
	}
	m := newMetrics(service)
	registries[service] = m
	return m
}

func newMetrics(service string) *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) prometheus.Collector { reg.MustRegister(c); return c }
	return &Metrics{
		Service:  service,
		Registry: reg,
		Requests: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"})).(*prometheus.CounterVec),
		Duration: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"})).(*prometheus.HistogramVec),
		Published: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "events_published_total", Help: "Events the broker acked, by subject.",
		}, []string{"subject"})).(*prometheus.CounterVec),
		Handled: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "events_handled_total",
			Help: "Event deliveries handled, by subject and outcome (ack, retry, drop, poison, panic, parked).",
		}, []string{"subject", "outcome"})).(*prometheus.CounterVec),
		Redelivered: f(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "events_redelivered_total", Help: "Deliveries the broker marked as redelivered, by subject.",
		}, []string{"subject"})).(*prometheus.CounterVec),
		HandlerTime: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "event_handler_duration_seconds", Help: "Time an event handler ran, by subject.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5},
		}, []string{"subject"})).(*prometheus.HistogramVec),
		extras: map[string]prometheus.Collector{},
	}
}

// Counter returns the service's counter name with labels, registered on
// first use (business counters: orders by outcome, declined payments).
func (m *Metrics) Counter(name, help string, labels ...string) *prometheus.CounterVec {
	return extra(m, name, func() *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	})
}

// Histogram returns the service's histogram name with labels and buckets,
// registered on first use.
func (m *Metrics) Histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	return extra(m, name, func() *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	})
}

// Register registers c once under key (a second call with the same key is a
// no-op: replicas in one process share it).
func (m *Metrics) Register(key string, c prometheus.Collector) {
	extra(m, key, func() prometheus.Collector { return c })
}

// Unregister removes what Register registered under key, if anything.
func (m *Metrics) Unregister(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.extras[key]; ok {
		m.Registry.Unregister(c)
		delete(m.extras, key)
	}
}

func extra[C prometheus.Collector](m *Metrics, key string, make func() C) C {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.extras[key]; ok {
		return c.(C)
	}
	c := make()
	m.Registry.MustRegister(c)
	m.extras[key] = c
	return c
}
