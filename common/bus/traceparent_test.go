package bus

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/events"
)

func TestTraceParentField(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	tests := []struct{ in, want string }{
		{`{"orderId":"o1"}`, `{"orderId":"o1","traceparent":"` + tp + `"}`},
		{`{}`, `{"traceparent":"` + tp + `"}`},
		{"{ }\n", `{ "traceparent":"` + tp + `"}`},
		{`[1]`, `[1]`},
	}
	for _, tc := range tests {
		got := string(withTraceParentField([]byte(tc.in), tp))
		if got != tc.want {
			t.Errorf("withTraceParentField(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if tc.in[0] == '{' {
			if !json.Valid([]byte(got)) || traceParentFieldOf([]byte(got)) != tp {
				t.Errorf("%s: not valid JSON or traceparent not read back", got)
			}
		}
	}
	if got := string(withTraceParentField([]byte(`{"a":1}`), "")); got != `{"a":1}` {
		t.Errorf("no trace: %s, want the body unchanged", got)
	}
}

// TestDispatchContinuesTheTraceOfTheBody: a NATS Streaming delivery whose
// body carries a traceparent runs its handler in that trace, and the field
// does not disturb the event's decoding.
func TestDispatchContinuesTheTraceOfTheBody(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	body := withTraceParentField([]byte(`{"orderId":"o1"}`), tp)
	var got trace.SpanContext
	var e events.ExpirationComplete
	ack := Dispatch(context.Background(), slog.New(slog.DiscardHandler), func(ctx context.Context, ev events.ExpirationComplete) error {
		got, e = trace.SpanContextFromContext(ctx), ev
		return nil
	}, body, 1, false, time.Second)
	if !ack || e.OrderID != "o1" {
		t.Fatalf("ack %v, event %+v", ack, e)
	}
	if got.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("handler ran in trace %s, want the body's", got.TraceID())
	}
}
