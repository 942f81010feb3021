package web

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestStripePayControl(t *testing.T) {
	t.Parallel()
	h, x := newSeeded(t, Options{StripeKey: "pk_test_abc"})
	rec := h.get(t, "/orders/"+x.openOrder, cookieFor(x.alice))
	wantStatus(t, rec, 200)
	wantBody(t, rec.Body.String(), []string{`<script src="https://js.stripe.com/v3/"></script>`, `data-stripe-key="pk_test_abc"`,
		`<div id="payment-element"`, `data-intent-url="/orders/` + x.openOrder + `/intent"`, `<button id="pay" type="submit">Pay $45.50</button>`},
		[]string{"Pay with test card", `name="token"`})
	// Stripe.js is loaded only where a card is taken.
	if rec := h.get(t, "/", cookieFor(x.alice)); strings.Contains(rec.Body.String(), "js.stripe.com") {
		t.Errorf("landing page loads Stripe.js")
	}
	if rec := h.get(t, "/orders/"+x.paidOrder, cookieFor(x.alice)); strings.Contains(rec.Body.String(), "js.stripe.com") {
		t.Errorf("paid order page loads Stripe.js")
	}
}

// TestStripeJSFromAnotherPlace: make dev's stand-in is loaded from the
// site itself; the policy then allows no other origin.
func TestStripeJSFromAnotherPlace(t *testing.T) {
	t.Parallel()
	h, x := newSeeded(t, Options{StripeKey: "pk_test_abc", StripeJS: "/dev/stripe/v3/stripe.js"})
	rec := h.get(t, "/orders/"+x.openOrder, cookieFor(x.alice))
	wantBody(t, rec.Body.String(), []string{`<script src="/dev/stripe/v3/stripe.js"></script>`}, []string{"js.stripe.com"})
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "stripe.com") {
		t.Errorf("CSP = %q", csp)
	}
	// Back from Stripe, not recorded yet: the page says so and looks again.
	rec = h.get(t, "/orders/"+x.openOrder+"?payment_intent=pi_1&redirect_status=succeeded", cookieFor(x.alice))
	wantBody(t, rec.Body.String(), []string{`id="confirming"`}, nil)
}

func TestPay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		key       string
		form      url.Values
		order     func(x fixture) string
		wantToken string // sent to the API; empty: nothing sent
		status    int
		want      string
	}{
		{name: "test card", form: url.Values{"token": {"tok_chargeDeclined"}}, order: func(x fixture) string { return x.openOrder }, wantToken: "tok_visa", status: 303},
		{name: "Stripe token", key: "pk_test_abc", form: url.Values{"token": {"tok_1Abc"}}, order: func(x fixture) string { return x.openOrder }, wantToken: "tok_1Abc", status: 303},
		{name: "no card details", key: "pk_test_abc", form: url.Values{}, order: func(x fixture) string { return x.openOrder }, status: 400, want: "Enter your card details"},
		{name: "declined", key: "pk_test_abc", form: url.Values{"token": {"tok_chargeDeclined"}}, order: func(x fixture) string { return x.openOrder }, wantToken: "tok_chargeDeclined", status: 402, want: "Your card was declined."},
		{name: "cancelled", order: func(x fixture) string { return x.expiredOrder }, wantToken: "tok_visa", status: 400, want: "Cannot pay for a cancelled order"},
		{name: "already paid", order: func(x fixture) string { return x.paidOrder }, wantToken: "tok_visa", status: 400, want: "Order is already paid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{StripeKey: tc.key})
			id := tc.order(x)
			rec := h.post(t, "/orders/"+id+"/pay", cookieFor(x.alice), tc.form)
			if tc.status == 303 {
				wantRedirect(t, rec, "/orders")
			} else {
				wantStatus(t, rec, tc.status)
				wantBody(t, rec.Body.String(), []string{`<div id="errors"`, tc.want, `data-order-id="` + id + `"`}, nil)
			}
			var sent string
			for _, r := range h.api.requests() {
				if r.Method+" "+r.Path == "POST /api/payments" {
					sent = r.Body
				}
			}
			if tc.wantToken == "" {
				if sent != "" {
					t.Errorf("API got payment %s, want none", sent)
				}
				return
			}
			if want := `{"token":"` + tc.wantToken + `","orderId":"` + id + `"}`; sent != want {
				t.Errorf("API got payment %s, want %s", sent, want)
			}
		})
	}
}

func TestSecondsLeft(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Duration
		want int
	}{
		{"a minute", time.Minute, 60},
		{"part of a second rounds up", 59*time.Second + 200*time.Millisecond, 60},
		{"half a second", 500 * time.Millisecond, 1},
		{"now", 0, 0},
		{"past", -5 * time.Second, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := secondsLeft(testNow.Add(tc.in), testNow); got != tc.want {
				t.Errorf("secondsLeft(now%+v) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestOrderCountdownFromExpiresAt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		expires time.Duration
		status  string
		want    []string
		notWant []string
	}{
		{name: "42 s left", expires: 41*time.Second + 300*time.Millisecond, status: "created",
			want: []string{`data-seconds="42"`, `Time left to pay: <span id="seconds">42</span> seconds`, `id="pay"`}},
		{name: "awaiting payment", expires: 15 * time.Minute, status: "awaiting:payment",
			want: []string{`<span id="seconds">900</span>`, `id="pay"`}},
		{name: "out of time, not yet cancelled", expires: -time.Second, status: "created",
			want: []string{"Order Expired"}, notWant: []string{`id="pay"`, "Time left"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			tid := h.api.addTicket("Gig", 10, x.bob)
			oid := h.api.addOrder(x.alice, tid, tc.status, testNow.Add(tc.expires))
			rec := h.get(t, "/orders/"+oid, cookieFor(x.alice))
			wantStatus(t, rec, 200)
			wantBody(t, rec.Body.String(), tc.want, tc.notWant)
		})
	}
}
