package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// Setup readies the process's tracing for service: it installs the W3C
// Trace Context propagator and, when OTEL_EXPORTER_OTLP_ENDPOINT is set, a
// TracerProvider exporting over OTLP/HTTP in JSON (otlpjson.go; it reads
// OTEL_EXPORTER_OTLP_HEADERS and _TIMEOUT too, the provider
// OTEL_TRACES_SAMPLER). Without
// an endpoint nothing is exported and spans cost next to nothing. The
// returned shutdown flushes what is buffered.
func Setup(ctx context.Context, service string, getenv func(string) string) (shutdown func(context.Context) error, err error) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := newOTLPJSON(getenv)
	if err != nil {
		return nil, fmt.Errorf("otlp trace exporter: %w", err)
	}
	tp := NewProvider(service, sdktrace.WithBatcher(exp))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// NewProvider returns an SDK TracerProvider for service with opts (an
// exporter): what Setup installs, and what make dev and the tests install
// with their in-memory exporters.
func NewProvider(service string, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	res, _ := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(service)))
	return sdktrace.NewTracerProvider(append([]sdktrace.TracerProviderOption{sdktrace.WithResource(res)}, opts...)...)
}
