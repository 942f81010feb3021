package payment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/payments/internal/payment"
)

// TestPayRefusesAnExpiredOrder: past the order's expiresAt nothing is
// charged, even while expiration has not cancelled it yet.
func TestPayRefusesAnExpiredOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		expires time.Duration // from now
		want    error
	}{
		{"a second left", time.Second, nil},
		{"at the instant", 0, payment.ErrOrderExpired},
		{"a second late", -time.Second, payment.ErrOrderExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			o := payment.Order{ID: bson.NewObjectID(), UserID: "u1", Price: 5, Status: events.StatusCreated, ExpiresAt: f.now.Add(tc.expires)}
			if err := f.orders.Create(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			_, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_visa")
			if !errors.Is(err, tc.want) {
				t.Fatalf("Pay = %v, want %v", err, tc.want)
			}
			if tc.want != nil && len(f.charger.Calls()) != 0 {
				t.Errorf("charged %v for an expired order", f.charger.Calls())
			}
		})
	}
}

// TestRefundIfCancelled: an order paid while its cancellation was on the
// way is refunded once, with its payment:refunded event, however often its
// cancellation is handled; an unpaid or uncancelled order is left alone.
func TestRefundIfCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	o := f.order(t, "u1", 12.5, events.StatusCreated)
	p, err := f.svc.Pay(ctx, "u1", o.ID, "tok_visa")
	if err != nil {
		t.Fatal(err)
	}
	// Still created: nothing to refund.
	if err := f.svc.RefundIfCancelled(ctx, o.ID); err != nil || len(f.charger.Refunds) != 0 {
		t.Fatalf("RefundIfCancelled of a live order = %v, refunds %v; want nil, none", err, f.charger.Refunds)
	}
	if err := f.orders.Cancel(ctx, o.ID, 1); err != nil {
		t.Fatal(err)
	}
	for range 3 { // the first delivery and two redeliveries
		if err := f.svc.RefundIfCancelled(ctx, o.ID); err != nil {
			t.Fatalf("RefundIfCancelled: %v", err)
		}
	}
	key := "refund-order-" + o.ID.Hex()
	if diff := cmp.Diff([]string{"ch_1 " + key}, f.charger.Refunds); diff != "" {
		t.Errorf("refund requests (-want +got):\n%s", diff)
	}
	want := []events.PaymentRefunded{{ID: p.ID.Hex(), OrderID: o.ID.Hex(), StripeID: "ch_1", RefundID: "re_" + key}}
	if diff := cmp.Diff(want, f.payments.RefundEvents); diff != "" {
		t.Errorf("payment:refunded events (-want +got):\n%s", diff)
	}
	stored, _ := f.payments.ByOrder(ctx, o.ID)
	if stored.RefundID != "re_"+key || !stored.RefundedAt.Equal(f.now) {
		t.Errorf("stored refund = %q at %v, want re_%s at %v", stored.RefundID, stored.RefundedAt, key, f.now)
	}

	// A cancelled order never paid: nothing to refund.
	unpaid := f.order(t, "u2", 3, events.StatusCancelled)
	if err := f.svc.RefundIfCancelled(ctx, unpaid.ID); err != nil {
		t.Errorf("RefundIfCancelled of an unpaid order = %v, want nil", err)
	}
}

// TestRefundWaitsForAPaymentInProgress: while a request is charging a
// cancelled order, the refund is not decided yet (the event comes again).
func TestRefundWaitsForAPaymentInProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	o := f.order(t, "u1", 12.5, events.StatusCancelled)
	f.payments.Put(payment.Payment{ID: bson.NewObjectID(), OrderID: o.ID, State: payment.StatePending, ClaimedAt: f.now})
	if err := f.svc.RefundIfCancelled(ctx, o.ID); !errors.Is(err, payment.ErrPaymentPending) {
		t.Errorf("RefundIfCancelled = %v, want ErrPaymentPending", err)
	}
}

// TestPayThenLateCancelRefunds: the charge of a payment that completes
// after its order was cancelled is refunded by the payment itself.
func TestPayThenLateCancelRefunds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	o := f.order(t, "u1", 7, events.StatusCreated)
	f.charger.Hold = make(chan struct{})
	done := make(chan error, 1)
	go func() { _, err := f.svc.Pay(ctx, "u1", o.ID, "tok_visa"); done <- err }()
	for len(f.charger.Calls()) == 0 { // the card is being charged
		time.Sleep(time.Millisecond)
	}
	if err := f.orders.Cancel(ctx, o.ID, 1); err != nil {
		t.Fatal(err)
	}
	close(f.charger.Hold)
	if err := <-done; err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if got := len(f.payments.RefundEvents); got != 1 {
		t.Errorf("refunds recorded = %d, want 1", got)
	}
}
