package listener_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/payment/paymenttest"
)

// TestOrderCancelledOfAPaidOrder: the refund of a paid order that is
// cancelled is retried while Stripe is unreachable, and dropped (acked,
// logged) when Stripe refuses it, which no redelivery would change.
func TestOrderCancelledOfAPaidOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		err      error
		wantDrop bool
	}{
		{"stripe unreachable", fmt.Errorf("%w: connection refused", payment.ErrProcessorDown), false},
		{"refund refused", &payment.RejectedError{Message: "Charge ch_1 has already been refunded."}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			charger := &paymenttest.Charger{}
			svc := &payment.Service{Orders: &paymenttest.Orders{}, Payments: &paymenttest.Payments{}, Charger: charger}
			id := bson.NewObjectID()
			o := payment.Order{ID: id, UserID: "u1", Price: 5, Status: events.StatusCreated, ExpiresAt: time.Now().Add(time.Hour)}
			if err := svc.Orders.Create(ctx, o); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Pay(ctx, "u1", id, "tok_visa"); err != nil {
				t.Fatal(err)
			}
			charger.Err = tc.err
			err := listener.OrderCancelled(svc)(ctx, events.OrderCancelled{ID: id.Hex(), Version: 1})
			if err == nil {
				t.Fatal("order:cancelled acked without a refund")
			}
			if got := errors.Is(err, bus.ErrDrop); got != tc.wantDrop {
				t.Errorf("order:cancelled = %v; dropped %t, want %t", err, got, tc.wantDrop)
			}
		})
	}
}
