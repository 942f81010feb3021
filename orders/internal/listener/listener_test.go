package listener_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/listener"
)

// TestDrops: an event that can never be handled (a malformed id, an order
// that does not exist) is dropped with bus.ErrDrop, which bus.Dispatch
// logs and acks, and changes nothing.
func TestDrops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	unknown := bson.NewObjectID().Hex()
	svc, s, before := orders(0)
	tests := []struct {
		name string
		run  func() error
	}{
		{"ticket:created bad id", func() error {
			return listener.TicketCreated(replica(false), fuzzLog)(ctx, events.TicketCreated{ID: "nope"})
		}},
		{"ticket:updated bad id", func() error {
			return listener.TicketUpdated(replica(true), fuzzLog)(ctx, events.TicketUpdated{ID: "nope", Version: 4})
		}},
		{"expiration:complete bad id", func() error {
			return listener.ExpirationComplete(svc, fuzzLog)(ctx, events.ExpirationComplete{OrderID: "nope"})
		}},
		{"expiration:complete unknown order", func() error {
			return listener.ExpirationComplete(svc, fuzzLog)(ctx, events.ExpirationComplete{OrderID: unknown})
		}},
		{"payment:created bad id", func() error {
			return listener.PaymentCreated(svc, fuzzLog)(ctx, events.PaymentCreated{ID: "p", OrderID: "nope"})
		}},
		{"payment:created unknown order", func() error {
			return listener.PaymentCreated(svc, fuzzLog)(ctx, events.PaymentCreated{ID: "p", OrderID: unknown})
		}},
	}
	for _, tc := range tests {
		if err := tc.run(); !errors.Is(err, bus.ErrDrop) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, bus.ErrDrop)
		}
	}
	if after, _ := s.Get(ctx, fuzzOrderID); after != before || len(s.Events()) != 0 {
		t.Errorf("order %+v became %+v, events %v", before, after, s.Events())
	}
}

// TestPaymentAfterCancel: a payment:created for an order already cancelled
// (it expired, or the buyer cancelled, before the payment arrived) is
// acked; the order stays cancelled and nothing is published — payments
// refunds the charge on its own — and the log says exactly that.
func TestPaymentAfterCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, s, before := orders(3) // cancelled
	if before.Status != events.StatusCancelled {
		t.Fatalf("status = %s, want cancelled", before.Status)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ev := []byte(`{"id":"pay1","orderId":"` + fuzzOrderHex + `","stripeId":"ch_1"}`)
	if ack := bus.Dispatch(ctx, log, listener.PaymentCreated(svc, log), ev, 1, false, time.Second); !ack {
		t.Fatal("payment of a cancelled order not acked")
	}
	if after, _ := s.Get(ctx, fuzzOrderID); after != before {
		t.Errorf("order %+v became %+v", before, after)
	}
	if evs := s.Events(); len(evs) != 0 {
		t.Errorf("published %v, want nothing", evs)
	}
	line := logs.String()
	for _, want := range []string{`"level":"WARN"`, listener.PaidAfterCancelLog, `"order_id":"` + fuzzOrderHex + `"`, `"stripe_id":"ch_1"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log %s lacks %s", line, want)
		}
	}
	if strings.Contains(line, "refund needed") {
		t.Errorf("log %s asks an operator for a refund that payments makes", line)
	}
}
