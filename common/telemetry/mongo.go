package telemetry

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// MongoMonitor returns a mongo-driver v2 CommandMonitor that counts every
// command the service sends (mongodb_commands_total by command: the store
// writes and reads behind each request and event) and makes a client span
// of each command a traced request runs. A command outside any trace makes
// no span: the relay's sweeps and the probes stay out of the traces. (The
// contrib package for driver v2 is untagged.)
func MongoMonitor(service string) *event.CommandMonitor {
	commands := For(service).Counter("mongodb_commands_total", "MongoDB commands sent, by command name.", "command")
	var spans sync.Map // request id → trace.Span
	end := func(id int64, err string) {
		if s, ok := spans.LoadAndDelete(id); ok {
			span := s.(trace.Span)
			if err != "" {
				span.SetStatus(codes.Error, err)
			}
			span.End()
		}
	}
	return &event.CommandMonitor{
		Started: func(ctx context.Context, e *event.CommandStartedEvent) {
			commands.WithLabelValues(e.CommandName).Inc()
			if !trace.SpanContextFromContext(ctx).IsValid() {
				return
			}
			_, span := Tracer().Start(ctx, e.CommandName+" "+e.DatabaseName, trace.WithSpanKind(trace.SpanKindClient),
				trace.WithAttributes(ServiceKey.String(service), attribute.String("db.system", "mongodb"),
					attribute.String("db.operation.name", e.CommandName), attribute.String("db.namespace", e.DatabaseName)))
			spans.Store(e.RequestID, span)
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) { end(e.RequestID, "") },
		Failed:    func(_ context.Context, e *event.CommandFailedEvent) { end(e.RequestID, e.Failure.Error()) },
	}
}
