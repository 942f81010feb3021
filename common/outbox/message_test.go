package outbox_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/telemetry"
)

func TestMessageIsStoredAsOneString(t *testing.T) {
	t.Parallel()
	m, err := outbox.New(context.Background(), events.TicketUpdated{ID: "t1", Version: 2, Title: "a b", Price: 1.5, UserID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Outbox []outbox.Message `bson:"outbox"`
	}
	b, err := bson.Marshal(doc{Outbox: []outbox.Message{m}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bson.Raw(b).LookupErr("outbox", "0")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := raw.StringValue(), m.ID+` ticket:updated {"id":"t1","version":2,"title":"a b","price":1.5,"userId":"u1"}`; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	var back doc
	if err := bson.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Outbox) != 1 || back.Outbox[0] != m {
		t.Errorf("round trip = %+v, want %+v", back.Outbox, m)
	}
	for _, bad := range []any{bson.D{{Key: "outbox", Value: bson.A{"no-spaces"}}}, bson.D{{Key: "outbox", Value: bson.A{42}}}} {
		b, _ := bson.Marshal(bad)
		if err := bson.Unmarshal(b, &back); err == nil {
			t.Errorf("decoded malformed %v", bad)
		}
	}
}

// TestTracedMessageKeepsItsTraceParent: an event written in a traced
// request stores the request's traceparent and reads it back; an entry
// stored without one (as older versions wrote them) still reads.
func TestTracedMessageKeepsItsTraceParent(t *testing.T) {
	t.Parallel()
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	ctx := telemetry.WithTraceParent(context.Background(), tp)
	m, err := outbox.New(ctx, events.ExpirationComplete{OrderID: "o1"})
	if err != nil {
		t.Fatal(err)
	}
	if m.TraceParent != tp {
		t.Fatalf("TraceParent = %q, want %q", m.TraceParent, tp)
	}
	if got, want := m.String(), m.ID+"/"+tp+` expiration:complete {"orderId":"o1"}`; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	if w := m.Written(); time.Since(w) > time.Minute || time.Until(w) > time.Minute {
		t.Errorf("Written() = %v, want about now", w)
	}
	for _, stored := range []string{m.String(), `0123456789abcdef01234567 expiration:complete {"orderId":"o1"}`} {
		b, _ := bson.Marshal(bson.D{{Key: "outbox", Value: bson.A{stored}}})
		var back struct {
			Outbox []outbox.Message `bson:"outbox"`
		}
		if err := bson.Unmarshal(b, &back); err != nil {
			t.Fatalf("decode %q: %v", stored, err)
		}
		if got := back.Outbox[0]; got.String() != stored || got.Subject != "expiration:complete" {
			t.Errorf("decoded %q as %+v", stored, got)
		}
	}
}
