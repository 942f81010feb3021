package telemetry

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

// ChildOnly is a TracerProvider that makes spans only inside a trace: a
// span without a parent is a no-op one. It is for instrumentation of
// clients that also work on their own (redisotel under the asynq server,
// which polls Redis several times a second), so that the polling does not
// flood the traces while a purchase's commands show in its trace.
func ChildOnly() trace.TracerProvider { return childOnly{} }

type childOnly struct{ embedded.TracerProvider }

func (childOnly) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return childOnlyTracer{name: name, opts: opts}
}

type childOnlyTracer struct {
	embedded.Tracer
	name string
	opts []trace.TracerOption
}

func (t childOnlyTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return noop.NewTracerProvider().Tracer(t.name).Start(ctx, name, opts...)
	}
	// The global provider is looked up per span: make dev and the tests
	// install theirs after the clients are made.
	return otel.GetTracerProvider().Tracer(t.name, t.opts...).Start(ctx, name, opts...)
}
