package listener_test

import (
	"context"
	"errors"
	"testing"

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
