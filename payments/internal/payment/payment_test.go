package payment_test

import (
	stdcmp "cmp"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/payment/paymenttest"
)

type fixture struct {
	svc      *payment.Service
	orders   *paymenttest.Orders
	payments *paymenttest.Payments
	charger  *paymenttest.Charger
	now      time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{
		orders: &paymenttest.Orders{}, payments: &paymenttest.Payments{}, charger: &paymenttest.Charger{},
		now: time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC),
	}
	f.svc = &payment.Service{
		Orders: f.orders, Payments: f.payments, Charger: f.charger,
		Now: func() time.Time { return f.now },
	}
	return f
}

func (f *fixture) order(t *testing.T, userID string, price float64, status events.OrderStatus) payment.Order {
	t.Helper()
	o := payment.Order{ID: bson.NewObjectID(), UserID: userID, Price: price, Status: status}
	if err := f.orders.Create(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPayCharges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		price     float64
		wantCents int64
	}{{20, 2000}, {19.99, 1999}, {0.29, 29}, {0.57, 57}, {1234.56, 123456}, {999999.99, 99999999}}
	for _, tc := range tests {
		f := newFixture(t)
		o := f.order(t, "u1", tc.price, events.StatusCreated)
		p, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_visa")
		if err != nil {
			t.Fatalf("price %v: Pay: %v", tc.price, err)
		}
		wantCharge := []payment.Charge{{
			AmountCents: tc.wantCents, Currency: "usd", Source: "tok_visa",
			IdempotencyKey: "charge-order-" + o.ID.Hex(), OrderID: o.ID.Hex(),
		}}
		if diff := cmp.Diff(wantCharge, f.charger.Calls()); diff != "" {
			t.Errorf("price %v: charges (-want +got):\n%s", tc.price, diff)
		}
		stored, err := f.payments.ByOrder(context.Background(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := payment.Payment{ID: p.ID, OrderID: o.ID, StripeID: "ch_1", State: payment.StateComplete}
		if diff := cmp.Diff(want, stored); diff != "" {
			t.Errorf("stored payment (-want +got):\n%s", diff)
		}
		wantEvents := []events.PaymentCreated{{ID: p.ID.Hex(), OrderID: o.ID.Hex(), StripeID: "ch_1"}}
		if diff := cmp.Diff(wantEvents, f.payments.Events); diff != "" {
			t.Errorf("outbox events (-want +got):\n%s", diff)
		}
	}
}

func TestPayRefuses(t *testing.T) {
	t.Parallel()
	pending := func(f *fixture, o payment.Order, age time.Duration) {
		f.payments.Put(payment.Payment{ID: bson.NewObjectID(), OrderID: o.ID, State: payment.StatePending, ClaimedAt: f.now.Add(-age)})
	}
	tests := []struct {
		name    string
		status  events.OrderStatus
		setup   func(f *fixture, o payment.Order)
		user    string
		unknown bool
		wantErr error
	}{
		{name: "unknown order", unknown: true, wantErr: payment.ErrNotFound},
		{name: "someone else's order", user: "u2", wantErr: payment.ErrNotOwner},
		{name: "cancelled order", status: events.StatusCancelled, wantErr: payment.ErrOrderCancelled},
		{name: "paid order", setup: func(f *fixture, o payment.Order) {
			f.payments.Put(payment.Payment{ID: bson.NewObjectID(), OrderID: o.ID, State: payment.StateComplete, StripeID: "ch_x"})
		}, wantErr: payment.ErrAlreadyPaid},
		{name: "payment in progress", setup: func(f *fixture, o payment.Order) { pending(f, o, 5*time.Second) }, wantErr: payment.ErrInProgress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			o := f.order(t, "u1", 10, stdcmp.Or(tc.status, events.StatusCreated))
			if tc.setup != nil {
				tc.setup(f, o)
			}
			id := o.ID
			if tc.unknown {
				id = bson.NewObjectID()
			}
			_, err := f.svc.Pay(context.Background(), stdcmp.Or(tc.user, "u1"), id, "tok_visa")
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Pay error = %v, want %v", err, tc.wantErr)
			}
			if got := f.charger.Calls(); len(got) != 0 {
				t.Errorf("charges = %+v, want none", got)
			}
			if len(f.payments.Events) != 0 {
				t.Errorf("events = %+v, want none", f.payments.Events)
			}
		})
	}
}

func TestPayTakesOverStaleClaim(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order(t, "u1", 10, events.StatusCreated)
	stale := payment.Payment{ID: bson.NewObjectID(), OrderID: o.ID, State: payment.StatePending, ClaimedAt: f.now.Add(-payment.ClaimTimeout - time.Second)}
	f.payments.Put(stale)
	p, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_visa")
	if err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if p.ID != stale.ID {
		t.Errorf("payment id = %s, want the stale claim's %s", p.ID.Hex(), stale.ID.Hex())
	}
	if got := f.charger.Calls(); len(got) != 1 || got[0].IdempotencyKey != "charge-order-"+o.ID.Hex() {
		t.Errorf("charges = %+v, want one under the order's key", got)
	}
}

func TestPayChargeFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		err          error
		wantDeclines int64
	}{
		{name: "declined", err: &payment.DeclinedError{Message: "Your card was declined."}, wantDeclines: 1},
		{name: "rejected", err: &payment.RejectedError{Message: "No such token: 'tok_x'"}},
		{name: "processor down", err: payment.ErrProcessorDown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			o := f.order(t, "u1", 10, events.StatusCreated)
			f.charger.Err = tc.err
			_, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_x")
			if !errors.Is(err, tc.err) {
				t.Fatalf("Pay error = %v, want %v", err, tc.err)
			}
			if got := f.payments.All(); len(got) != 0 {
				t.Errorf("payments = %+v, want none (claim released)", got)
			}
			if len(f.payments.Events) != 0 {
				t.Errorf("events = %+v, want none", f.payments.Events)
			}
			got, _ := f.orders.Get(context.Background(), o.ID)
			if got.Declines != tc.wantDeclines {
				t.Errorf("declines = %d, want %d", got.Declines, tc.wantDeclines)
			}

			// The buyer tries again; after a decline under a new key,
			// since Stripe replays a key's declined answer.
			f.charger.Err = nil
			if _, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_visa"); err != nil {
				t.Fatalf("second Pay: %v", err)
			}
			calls := f.charger.Calls()
			wantKey := "charge-order-" + o.ID.Hex()
			if tc.wantDeclines > 0 {
				wantKey += "-1"
			}
			if got := calls[len(calls)-1].IdempotencyKey; got != wantKey {
				t.Errorf("second attempt's key = %q, want %q", got, wantKey)
			}
		})
	}
}

func TestPayConcurrent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	o := f.order(t, "u1", 10, events.StatusCreated)
	f.charger.Hold = make(chan struct{})
	const n = 10
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_visa")
			errs <- err
		})
	}
	// Let the one charge through once the others have been turned away.
	var refused int
	for refused < n-1 {
		err := <-errs
		if !errors.Is(err, payment.ErrInProgress) {
			t.Fatalf("Pay error = %v, want ErrInProgress", err)
		}
		refused++
	}
	close(f.charger.Hold)
	wg.Wait()
	if err := <-errs; err != nil {
		t.Fatalf("the charging Pay: %v", err)
	}
	if got := len(f.charger.Calls()); got != 1 {
		t.Errorf("charges = %d, want 1", got)
	}
	if got := len(f.payments.Events); got != 1 {
		t.Errorf("events = %d, want 1", got)
	}
	if _, err := f.svc.Pay(context.Background(), "u1", o.ID, "tok_visa"); !errors.Is(err, payment.ErrAlreadyPaid) {
		t.Errorf("Pay after payment error = %v, want ErrAlreadyPaid", err)
	}
}

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
