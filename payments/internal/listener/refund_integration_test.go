//go:build integration

package listener_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
)

// TestCancelAfterPaymentRefunds: a buyer cancels and pays at once, so the
// payment lands before order:cancelled. Hearing it, payments refunds the
// charge through Stripe (stripe-mock) once — redeliveries change nothing —
// and records the refund with a payment:refunded event in the payment's
// outbox, on the real store.
func TestCancelAfterPaymentRefunds(t *testing.T) {
	t.Parallel()
	stripe, err := url.Parse(testenv.StripeBase(t))
	if err != nil {
		t.Fatal(err)
	}
	var refunds atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(stripe)
	counter := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/refunds") {
			refunds.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(counter.Close)

	db := testenv.Mongo(t)
	orders := mongostore.NewOrders(db)
	payments, err := mongostore.NewPayments(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	svc := &payment.Service{Orders: orders, Payments: payments, Charger: stripecharge.New("sk_test_123", counter.URL, discard), Log: discard}
	id := bson.NewObjectID()
	if err := listener.OrderCreated(orders)(ctx, orderCreated(id)); err != nil {
		t.Fatal(err)
	}
	paid, err := svc.Pay(ctx, "u1", id, "tok_visa")
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}

	cancelled := listener.OrderCancelled(svc)
	e := events.OrderCancelled{ID: id.Hex(), Version: 1, Ticket: events.TicketRef{ID: bson.NewObjectID().Hex()}}
	for _, delivery := range []string{"first", "redelivered", "redelivered again"} {
		if err := cancelled(ctx, e); err != nil {
			t.Fatalf("%s order:cancelled: not acked: %v", delivery, err)
		}
	}
	if got := refunds.Load(); got != 1 {
		t.Errorf("refund requests to Stripe = %d, want 1", got)
	}
	stored, err := payments.ByOrder(ctx, id)
	if err != nil || stored.RefundID == "" {
		t.Fatalf("payment = %+v, %v; want its refund recorded", stored, err)
	}
	var doc struct {
		Outbox []outbox.Message `bson:"outbox"`
	}
	if err := db.Collection(mongostore.PaymentsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: paid.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range doc.Outbox {
		subjects = append(subjects, m.Subject)
	}
	if got, want := strings.Join(subjects, ","), "payment:created,payment:refunded"; got != want {
		t.Errorf("outbox = %s, want %s", got, want)
	}
}
