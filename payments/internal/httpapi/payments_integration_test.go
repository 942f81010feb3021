//go:build integration

package httpapi_test

import (
	stdcmp "cmp"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/payments/internal/payment"
)

type idJSON struct {
	ID string `json:"id"`
}

func decodeErrors(t *testing.T, b []byte) []web.FieldError {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return body.Errors
}

// The original suite's failure cases, on the real store.
func TestPayRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.StripeBase(t))
	tests := []struct {
		name       string
		user       string
		status     events.OrderStatus
		unknown    bool
		expired    bool // its expiresAt passed; expiration has not cancelled it yet
		wantStatus int
		wantMsg    string
	}{
		{name: "404 for an order that does not exist", user: "u1", unknown: true, wantStatus: 404, wantMsg: "Not Found"},
		{name: "401 for someone else's order", user: "u2", wantStatus: 401, wantMsg: "Not authorized"},
		{name: "400 for a cancelled order", user: "u1", status: events.StatusCancelled, wantStatus: 400, wantMsg: "Cannot pay for a cancelled order"},
		{name: "401 when signed out", wantStatus: 401, wantMsg: "Not authorized"},
		{name: "400 for an expired order", user: "u1", expired: true, wantStatus: 400, wantMsg: "Order has expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var o payment.Order
			if tc.expired {
				o = payment.Order{ID: bson.NewObjectID(), UserID: "u1", Price: 20, Status: events.StatusCreated, ExpiresAt: time.Now().Add(-time.Second)}
				if err := e.orders.Create(context.Background(), o); err != nil {
					t.Fatal(err)
				}
			} else {
				o = e.order(t, "u1", 20, stdcmp.Or(tc.status, events.StatusCreated))
			}
			id := o.ID
			if tc.unknown {
				id = bson.NewObjectID()
			}
			var rec = e.pay(t, nil, body("tok_visa", id))
			if tc.user != "" {
				rec = e.pay(t, user(tc.user), body("tok_visa", id))
			}
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.wantStatus, rec.Body)
			}
			if diff := cmp.Diff([]web.FieldError{{Message: tc.wantMsg}}, decodeErrors(t, rec.Body.Bytes())); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if got := e.payments(t, o.ID); len(got) != 0 {
				t.Errorf("payments stored: %+v, want none", got)
			}
		})
	}
	if got := e.stripe.charges(); len(got) != 0 {
		t.Errorf("charge requests: %+v, want none", got)
	}
}

func TestPayValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.StripeBase(t))
	o := e.order(t, "u1", 20, events.StatusCreated)
	tests := []struct {
		body string
		want []web.FieldError
	}{
		{`{"token":"","orderId":"` + o.ID.Hex() + `"}`, []web.FieldError{{Field: "token", Message: "Token must be provided"}}},
		{`{"token":"tok_visa","orderId":"abc"}`, []web.FieldError{{Field: "orderId", Message: "OrderId must be provided"}}},
		{`{}`, []web.FieldError{{Field: "token", Message: "Token must be provided"}, {Field: "orderId", Message: "OrderId must be provided"}}},
	}
	for _, tc := range tests {
		rec := e.pay(t, user("u1"), tc.body)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status = %d, want 400", tc.body, rec.Code)
			continue
		}
		if diff := cmp.Diff(tc.want, decodeErrors(t, rec.Body.Bytes())); diff != "" {
			t.Errorf("%s: errors (-want +got):\n%s", tc.body, diff)
		}
	}
}

// rawPaymentCreated is payment:created as the JSON object on the wire.
type rawPaymentCreated map[string]any

func (rawPaymentCreated) Subject() events.Subject { return events.SubjectPaymentCreated }

// 201 with valid input: a charge of price × 100 cents in usd, with the
// token as source, under one idempotency key; a payment stored with the
// charge id; payment:created with exactly the SPEC §8 fields.
func TestPayCharges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.StripeBase(t))
	seen := bustest.Record[rawPaymentCreated](t, e.conn)
	tests := []struct {
		price     float64
		wantCents string
	}{{20, "2000"}, {19.99, "1999"}, {0.57, "57"}}
	for _, tc := range tests {
		o := e.order(t, "u1", tc.price, events.StatusCreated)
		rec := e.pay(t, user("u1"), body("tok_visa", o.ID))
		if rec.Code != http.StatusCreated {
			t.Fatalf("price %v: status = %d, want 201; body %s", tc.price, rec.Code, rec.Body)
		}
		var got idJSON
		json.Unmarshal(rec.Body.Bytes(), &got)

		var charge chargeRequest
		for _, c := range e.stripe.charges() {
			if c.Form.Get("metadata[orderId]") == o.ID.Hex() {
				charge = c
			}
		}
		want := map[string]string{"amount": tc.wantCents, "currency": "usd", "source": "tok_visa"}
		for k, v := range want {
			if g := charge.Form.Get(k); g != v {
				t.Errorf("price %v: charge %s = %q, want %q", tc.price, k, g, v)
			}
		}
		if g, w := charge.IdempotencyKey, "charge-order-"+o.ID.Hex(); g != w {
			t.Errorf("idempotency key = %q, want %q", g, w)
		}
		if charge.Status != http.StatusOK || charge.ChargeID == "" {
			t.Fatalf("stripe-mock answered %d with charge id %q", charge.Status, charge.ChargeID)
		}

		stored := e.payments(t, o.ID)
		if len(stored) != 1 || stored[0].ID.Hex() != got.ID || stored[0].StripeID != charge.ChargeID || stored[0].State != "complete" {
			t.Fatalf("stored payments = %+v, want one, id %s, stripeId %s, complete", stored, got.ID, charge.ChargeID)
		}

		events := seen.Wait(t, 1, func(e rawPaymentCreated) bool { return e["orderId"] == o.ID.Hex() })
		wantEvent := rawPaymentCreated{"id": got.ID, "orderId": o.ID.Hex(), "stripeId": charge.ChargeID}
		if diff := cmp.Diff(wantEvent, events[0]); diff != "" {
			t.Errorf("payment:created (-want +got):\n%s", diff)
		}
		bustest.Eventually(t, "outbox emptied once published", func() bool {
			p := e.payments(t, o.ID)
			return len(p) == 1 && len(p[0].Outbox) == 0
		})
	}
}

func TestPayTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.StripeBase(t))
	o := e.order(t, "u1", 20, events.StatusCreated)
	if rec := e.pay(t, user("u1"), body("tok_visa", o.ID)); rec.Code != http.StatusCreated {
		t.Fatalf("first payment: status = %d, want 201; body %s", rec.Code, rec.Body)
	}
	rec := e.pay(t, user("u1"), body("tok_visa", o.ID))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("second payment: status = %d, want 400; body %s", rec.Code, rec.Body)
	}
	if diff := cmp.Diff([]web.FieldError{{Message: "Order is already paid"}}, decodeErrors(t, rec.Body.Bytes())); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if got := len(e.stripe.charges()); got != 1 {
		t.Errorf("charge requests = %d, want 1", got)
	}
}

func TestPayConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.StripeBase(t))
	o := e.order(t, "u1", 20, events.StatusCreated)
	const n = 10
	codes := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			rec := e.pay(t, user("u1"), body("tok_visa", o.ID))
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		})
	}
	close(start)
	wg.Wait()

	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[http.StatusCreated] != 1 || count[http.StatusCreated]+count[http.StatusBadRequest]+count[http.StatusConflict] != n {
		t.Errorf("statuses = %v (%v), want one 201 and the others 400 already paid or 409 in progress", count, bodies)
	}
	for i, c := range codes {
		if c == http.StatusConflict || c == http.StatusBadRequest {
			msg := decodeErrors(t, []byte(bodies[i]))[0].Message
			if msg != "Payment already in progress" && msg != "Order is already paid" {
				t.Errorf("answer %d %q", c, msg)
			}
		}
	}
	if got := e.payments(t, o.ID); len(got) != 1 || got[0].State != "complete" {
		t.Errorf("stored payments = %+v, want one complete", got)
	}
	charges := e.stripe.charges()
	keys := map[string]bool{}
	for _, c := range charges {
		keys[c.IdempotencyKey] = true
	}
	if len(charges) != 1 || len(keys) != 1 {
		t.Errorf("charge requests = %d with keys %v, want one request with one key", len(charges), slices.Collect(maps.Keys(keys)))
	}
}

func TestPayDeclined(t *testing.T) {
	t.Parallel()
	e := newEnv(t, declining(t))
	seen := bustest.Record[events.PaymentCreated](t, e.conn)
	o := e.order(t, "u1", 20, events.StatusCreated)
	mine := func(p events.PaymentCreated) bool { return p.OrderID == o.ID.Hex() }

	rec := e.pay(t, user("u1"), body("tok_chargeDeclined", o.ID))
	if rec.Code != http.StatusPaymentRequired {
		t.Fatalf("status = %d, want 402; body %s", rec.Code, rec.Body)
	}
	if diff := cmp.Diff([]web.FieldError{{Message: "Your card was declined."}}, decodeErrors(t, rec.Body.Bytes())); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if got := e.payments(t, o.ID); len(got) != 0 {
		t.Errorf("payments stored: %+v, want none", got)
	}

	// The buyer tries another card: charged under a new key, since Stripe
	// would replay the decline under the first.
	e.pay(t, user("u1"), body("tok_chargeDeclined", o.ID))
	charges := e.stripe.charges()
	if len(charges) != 2 || charges[0].IdempotencyKey == charges[1].IdempotencyKey {
		t.Errorf("charge requests = %+v, want two under different keys", charges)
	}

	// Nothing was published: no document carries an event, and none
	// reaches the channel while the relay runs.
	for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if got := seen.All(mine); len(got) != 0 {
			t.Fatalf("payment:created published: %+v", got)
		}
	}
	if n, err := e.db.Collection("payments").CountDocuments(context.Background(), bson.D{}); err != nil || n != 0 {
		t.Errorf("payments collection holds %d documents (%v), want 0", n, err)
	}
}

func TestPayStripeUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnvCharging(t, unreachable(t), nil)
	o := e.order(t, "u1", 20, events.StatusCreated)
	rec := e.pay(t, user("u1"), body("tok_visa", o.ID))
	if rec.Code != http.StatusBadGateway {
		t.Fatalf("status = %d, want 502; body %s", rec.Code, rec.Body)
	}
	if got := decodeErrors(t, rec.Body.Bytes()); len(got) != 1 || got[0].Message == "" {
		t.Errorf("errors = %+v, want one message", got)
	}
	if got := e.payments(t, o.ID); len(got) != 0 {
		t.Errorf("payments stored: %+v, want none", got)
	}
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testenv.StripeBase(t))
	for _, path := range []string{"/healthz", "/readyz"} {
		rec := httptestGet(e, path)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200; body %s", path, rec.Code, rec.Body)
		}
	}
}
