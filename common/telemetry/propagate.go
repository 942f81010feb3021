package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// traceContext is the W3C Trace Context format, used for every hop the
// services make themselves, whatever global propagator is installed.
var traceContext propagation.TraceContext

// TraceParent returns the W3C traceparent of ctx's span, or "" when ctx
// carries no valid span context.
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	traceContext.Inject(ctx, c)
	return c["traceparent"]
}

// WithTraceParent returns ctx carrying the remote span context of tp (a W3C
// traceparent); a malformed or empty tp leaves ctx as it is.
func WithTraceParent(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	return traceContext.Extract(ctx, propagation.MapCarrier{"traceparent": tp})
}

// SpanContextOf returns the span context of the traceparent tp (invalid when
// tp is empty or malformed): what a span links to.
func SpanContextOf(tp string) trace.SpanContext {
	return trace.SpanContextFromContext(WithTraceParent(context.Background(), tp))
}
