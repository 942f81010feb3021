//go:build integration

package listener_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
)

// stripeProxy stands in front of stripe-mock, counts the refund requests
// that reach it, and answers 503 itself while down is set. While hold is
// set, a charge request is announced on charging and then waits for hold
// to be closed.
type stripeProxy struct {
	url      string
	refunds  atomic.Int32
	down     atomic.Bool
	hold     chan struct{}
	charging chan struct{}
}

func newStripeProxy(t *testing.T) *stripeProxy {
	t.Helper()
	upstream, err := url.Parse(testenv.StripeBase(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &stripeProxy{}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/refunds") {
			p.refunds.Add(1)
		}
		if r.Method == http.MethodPost && r.URL.Path == "/v1/charges" && p.hold != nil {
			p.charging <- struct{}{}
			<-p.hold
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

// newRefundService is the payment service on the real store (a database
// of its own) and on Stripe through proxy, with its outbox relay running
// and publishing on pub.
func newRefundService(t *testing.T, proxy *stripeProxy) (*payment.Service, *bustest.Publisher) {
	t.Helper()
	db := testenv.Mongo(t)
	pub := &bustest.Publisher{}
	relay := outbox.NewRelay(db.Collection(mongostore.PaymentsCollection), pub, discard, 0)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = relay.Run(rctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	payments, err := mongostore.NewPayments(ctx, db, relay)
	if err != nil {
		t.Fatal(err)
	}
	charger := stripecharge.New("sk_test_123", proxy.url, discard)
	return &payment.Service{Orders: mongostore.NewOrders(db), Payments: payments, Charger: charger, Log: discard}, pub
}

// TestCancelAfterPaymentRefunds: a buyer cancels and pays at once, so the
// payment lands before order:cancelled. Hearing it, payments refunds the
// charge through Stripe (stripe-mock) once — while Stripe is unreachable
// the event is not acked; redeliveries change nothing — and the refund is
// recorded and published as payment:refunded by the outbox relay, on the
// real store.
func TestCancelAfterPaymentRefunds(t *testing.T) {
	t.Parallel()
	stripe := newStripeProxy(t)
	svc, pub := newRefundService(t, stripe)
	id := bson.NewObjectID()
	if err := listener.OrderCreated(svc.Orders)(ctx, orderCreated(id)); err != nil {
		t.Fatal(err)
	}
	paid, err := svc.Pay(ctx, "u1", id, "tok_visa")
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}

	cancelled := listener.OrderCancelled(svc)
	e := events.OrderCancelled{ID: id.Hex(), Version: 1, Ticket: events.TicketRef{ID: bson.NewObjectID().Hex()}}
	stripe.down.Store(true)
	if err := cancelled(ctx, e); !errors.Is(err, payment.ErrProcessorDown) {
		t.Fatalf("order:cancelled with Stripe down = %v, want not acked (ErrProcessorDown)", err)
	}
	stripe.down.Store(false)
	for _, delivery := range []string{"redelivered", "redelivered again", "redelivered once more"} {
		if err := cancelled(ctx, e); err != nil {
			t.Fatalf("%s order:cancelled: not acked: %v", delivery, err)
		}
	}
	if got := stripe.refunds.Load(); got != 1 {
		t.Errorf("refund requests to Stripe = %d, want 1", got)
	}
	stored, err := svc.Payments.ByOrder(ctx, id)
	if err != nil || stored.RefundID == "" || stored.RefundedAt.IsZero() {
		t.Fatalf("payment = %+v, %v; want its refund recorded", stored, err)
	}
	bustest.Eventually(t, "payment:refunded published", func() bool { return len(bustest.Decode[events.PaymentRefunded](t, pub)) > 0 })
	want := []events.PaymentRefunded{{ID: paid.ID.Hex(), OrderID: id.Hex(), StripeID: paid.StripeID, RefundID: stored.RefundID}}
	if diff := cmp.Diff(want, bustest.Decode[events.PaymentRefunded](t, pub)); diff != "" {
		t.Errorf("payment:refunded published (-want +got):\n%s", diff)
	}
	if got := bustest.Decode[events.PaymentCreated](t, pub); len(got) != 1 || got[0].ID != paid.ID.Hex() {
		t.Errorf("payment:created published = %+v, want one of payment %s", got, paid.ID.Hex())
	}
}

// TestCancelWhileChargingRefunds: the order is cancelled while its card is
// being charged (the charge request is held at the proxy). Its
// order:cancelled finds the payment in progress and is not acked; the
// payment, once complete, sees the cancelled order and refunds itself; the
// redelivered order:cancelled then refunds nothing more. One refund
// request reaches Stripe, one payment:refunded is published.
func TestCancelWhileChargingRefunds(t *testing.T) {
	t.Parallel()
	stripe := newStripeProxy(t)
	stripe.hold, stripe.charging = make(chan struct{}), make(chan struct{}, 1)
	svc, pub := newRefundService(t, stripe)
	id := bson.NewObjectID()
	if err := listener.OrderCreated(svc.Orders)(ctx, orderCreated(id)); err != nil {
		t.Fatal(err)
	}
	type result struct {
		p   payment.Payment
		err error
	}
	payDone := make(chan result, 1)
	go func() { p, err := svc.Pay(ctx, "u1", id, "tok_visa"); payDone <- result{p, err} }()
	<-stripe.charging // the card is being charged

	cancelled := listener.OrderCancelled(svc)
	e := events.OrderCancelled{ID: id.Hex(), Version: 1, Ticket: events.TicketRef{ID: bson.NewObjectID().Hex()}}
	if err := cancelled(ctx, e); !errors.Is(err, payment.ErrPaymentPending) {
		t.Errorf("order:cancelled during the charge = %v, want not acked (ErrPaymentPending)", err)
	}
	close(stripe.hold)
	paid := <-payDone
	if paid.err != nil {
		t.Fatalf("Pay: %v", paid.err)
	}
	if got := stripe.refunds.Load(); got != 1 {
		t.Errorf("refund requests after the payment completed = %d, want 1", got)
	}
	if err := cancelled(ctx, e); err != nil {
		t.Fatalf("redelivered order:cancelled: not acked: %v", err)
	}
	if got := stripe.refunds.Load(); got != 1 {
		t.Errorf("refund requests after the redelivery = %d, want 1", got)
	}
	stored, err := svc.Payments.ByOrder(ctx, id)
	if err != nil || stored.RefundID == "" || stored.RefundedAt.IsZero() {
		t.Fatalf("payment = %+v, %v; want its refund recorded", stored, err)
	}
	bustest.Eventually(t, "payment:refunded published", func() bool { return len(bustest.Decode[events.PaymentRefunded](t, pub)) > 0 })
	want := []events.PaymentRefunded{{ID: paid.p.ID.Hex(), OrderID: id.Hex(), StripeID: paid.p.StripeID, RefundID: stored.RefundID}}
	if diff := cmp.Diff(want, bustest.Decode[events.PaymentRefunded](t, pub)); diff != "" {
		t.Errorf("payment:refunded published (-want +got):\n%s", diff)
	}
}
