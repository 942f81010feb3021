package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
)

// traceParentHeader carries the W3C trace context of a JetStream message.
const traceParentHeader = "traceparent"

// traceParentField is the JSON field that carries it on NATS Streaming,
// which has no headers (docs/SPEC.md §11).
const traceParentField = `"traceparent"`

// withTraceParentField returns the JSON object data with a traceparent
// field added; data that is not an object, or an empty tp, is returned as
// it is.
func withTraceParentField(data []byte, tp string) []byte {
	data = bytes.TrimRight(data, " \t\r\n")
	if tp == "" || len(data) < 2 || data[0] != '{' || data[len(data)-1] != '}' {
		return data
	}
	out := make([]byte, 0, len(data)+len(tp)+20)
	out = append(out, data[:len(data)-1]...)
	if len(bytes.TrimSpace(data[1:len(data)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, traceParentField...)
	out = append(out, ':')
	out = strconv.AppendQuote(out, tp)
	return append(out, '}')
}

// traceParentFieldOf returns the traceparent field of the JSON object data,
// if any.
func traceParentFieldOf(data []byte) string {
	if !bytes.Contains(data, []byte(traceParentField)) {
		return ""
	}
	var v struct {
		TraceParent string `json:"traceparent"`
	}
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return v.TraceParent
}

type serviceKey struct{}

// withService returns ctx naming the service whose listener handles a
// delivery, for Dispatch's span and metrics.
func withService(ctx context.Context, service string) context.Context {
	return context.WithValue(ctx, serviceKey{}, service)
}

func serviceFrom(ctx context.Context) string {
	s, _ := ctx.Value(serviceKey{}).(string)
	return s
}
