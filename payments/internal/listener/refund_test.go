package listener_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/payment/paymenttest"
)

// cancelPaid pays an order, then hands its order:cancelled to the listener
// while Stripe answers every refund with refundErr.
func cancelPaid(t *testing.T, refundErr error) error {
	t.Helper()
	ctx := context.Background()
	charger := &paymenttest.Charger{}
	svc := &payment.Service{Orders: &paymenttest.Orders{}, Payments: &paymenttest.Payments{}, Charger: charger}
	if err := svc.Orders.Create(ctx, payment.Order{ID: fuzzOrderID, UserID: "u1", Price: 5, Status: events.StatusCreated}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Pay(ctx, "u1", fuzzOrderID, "tok_visa"); err != nil {
		t.Fatal(err)
	}
	charger.Err = refundErr
	return listener.OrderCancelled(svc)(ctx, events.OrderCancelled{ID: fuzzOrderHex, Version: 1})
}

// TestRefundIsRetriedWhileStripeIsDown: Stripe unreachable, the
// order:cancelled of a paid order is not acked (it comes again).
func TestRefundIsRetriedWhileStripeIsDown(t *testing.T) {
	t.Parallel()
	err := cancelPaid(t, payment.ErrProcessorDown)
	if err == nil || errors.Is(err, bus.ErrDrop) {
		t.Errorf("order:cancelled = %v, want not acked and not dropped", err)
	}
}

// TestRefusedRefundIsDropped: a refund Stripe refuses (the charge was
// refunded by hand) would be refused again at every redelivery, so the
// order:cancelled is dropped: logged and acked.
func TestRefusedRefundIsDropped(t *testing.T) {
	t.Parallel()
	err := cancelPaid(t, &payment.RejectedError{Message: "Charge ch_1 has already been refunded."})
	if !errors.Is(err, bus.ErrDrop) {
		t.Errorf("order:cancelled = %v, want dropped (bus.ErrDrop)", err)
	}
}

// The event decoders under fuzzing: any message data, run through
// bus.Dispatch as a delivery is, either applies the event to the replica as
// SPEC §8 says or changes nothing; never a panic.

var fuzzLog = slog.New(slog.DiscardHandler)

const fuzzOrderHex = "0123456789abcdef01234567"

var fuzzOrderID, _ = bson.ObjectIDFromHex(fuzzOrderHex)

// replica holds the fuzz order at version 2, created, or nothing.
func replica(t *testing.T, present bool) (*paymenttest.Orders, payment.Order) {
	s := &paymenttest.Orders{}
	o := payment.Order{ID: fuzzOrderID, Version: 2, UserID: "u", Price: 10, Status: events.StatusCreated}
	if present {
		if err := s.Create(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	return s, o
}

func seeds(f *testing.F, data ...string) {
	for _, d := range append(data, `{"id":"nope"}`, `{"id":5}`, `{"id":"`+fuzzOrderHex+`","version":1e400}`,
		`{"id":"`+fuzzOrderHex+`","expiresAt":"yesterday"}`, `[]`, `null`, ``, `{`) {
		f.Add([]byte(d), false)
		f.Add([]byte(d), true)
	}
}

func FuzzOrderCreated(f *testing.F) {
	seeds(f,
		`{"id":"`+fuzzOrderHex+`","version":0,"status":"created","userId":"u2","expiresAt":"2030-01-01T00:00:00Z","ticket":{"id":"t","price":19.99}}`,
		`{"id":"`+strings.ToUpper(fuzzOrderHex)+`","version":0,"status":"complete","ticket":{"price":-1}}`,
		`{"id":"`+fuzzOrderHex+`","ticket":{"price":1e308}}`,
	)
	f.Fuzz(func(t *testing.T, data []byte, present bool) {
		s, before := replica(t, present)
		bus.Dispatch(context.Background(), fuzzLog, listener.OrderCreated(s), data, 1, false, time.Second)
		after, err := s.Get(context.Background(), fuzzOrderID)
		var e events.OrderCreated
		decoded := json.Unmarshal(data, &e) == nil
		switch {
		case present && after != before:
			t.Fatalf("existing replica %+v became %+v", before, after)
		case !present && err == nil && (!decoded || strings.ToLower(e.ID) != fuzzOrderHex ||
			after != (payment.Order{ID: fuzzOrderID, Version: e.Version, UserID: e.UserID, Price: e.Ticket.Price, Status: e.Status, ExpiresAt: e.ExpiresAt})):
			t.Fatalf("replica %+v created from %s", after, data)
		}
	})
}

func FuzzOrderCancelled(f *testing.F) {
	seeds(f,
		`{"id":"`+fuzzOrderHex+`","version":3,"ticket":{"id":"t"}}`,
		`{"id":"`+fuzzOrderHex+`","version":2}`,
		`{"id":"`+fuzzOrderHex+`","version":9}`,
		`{"id":"`+fuzzOrderHex+`","version":-9223372036854775808}`,
	)
	f.Fuzz(func(t *testing.T, data []byte, present bool) {
		s, before := replica(t, present)
		bus.Dispatch(context.Background(), fuzzLog, listener.OrderCancelled(&payment.Service{Orders: s, Payments: &paymenttest.Payments{}, Charger: &paymenttest.Charger{}}), data, 1, false, time.Second)
		after, err := s.Get(context.Background(), fuzzOrderID)
		if !present {
			if err == nil {
				t.Fatalf("order:cancelled created a replica %+v", after)
			}
			return
		}
		var e events.OrderCancelled
		_ = json.Unmarshal(data, &e)
		want := before
		want.Version, want.Status = before.Version+1, events.StatusCancelled
		if after != before && (after != want || e.Version != want.Version) {
			t.Fatalf("replica %+v became %+v on %s", before, after, data)
		}
	})
}
