package stripecharge_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
	"github.com/gittix/ticketing/payments/stripefake"
)

var discard = slog.New(slog.DiscardHandler)

// fakeStripe answers POST /v1/charges with status and body, recording
// each request's form and idempotency key.
type fakeStripe struct {
	status int
	body   string

	mu    sync.Mutex
	forms []url.Values
	keys  []string
	auths []string
}

func (f *fakeStripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/charges" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

const declined = `{"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline","message":"Your card was declined.","charge":"ch_declined"}}`

func TestCharge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		body     string
		wantID   string
		wantErr  error  // errors.Is
		wantType string // "declined", "rejected"
		wantMsg  string
	}{
		{name: "charged", status: 200, body: `{"id":"ch_123","object":"charge","amount":1999}`, wantID: "ch_123"},
		{name: "card declined", status: 402, body: declined, wantType: "declined", wantMsg: "Your card was declined."},
		{name: "bad token", status: 400, body: `{"error":{"type":"invalid_request_error","message":"No such token: 'tok_x'","param":"source"}}`, wantType: "rejected", wantMsg: "No such token: 'tok_x'"},
		{name: "stripe fault", status: 500, body: `{"error":{"type":"api_error","message":"An unknown error occurred"}}`, wantErr: payment.ErrProcessorDown},
		{name: "bad key", status: 401, body: `{"error":{"type":"invalid_request_error","message":"Invalid API Key provided"}}`, wantErr: payment.ErrProcessorDown},
		{name: "key reused with other parameters", status: 400, body: `{"error":{"type":"idempotency_error","message":"Keys for idempotent requests can only be used with the same parameters they were first used with."}}`, wantErr: payment.ErrProcessorDown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeStripe{status: tc.status, body: tc.body}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			c := stripecharge.New("sk_test_key", srv.URL, discard)
			id, err := c.Charge(context.Background(), payment.Charge{
				AmountCents: 1999, Currency: "usd", Source: "tok_visa", IdempotencyKey: "charge-order-abc", OrderID: "abc",
			})
			if id != tc.wantID {
				t.Errorf("charge id = %q, want %q", id, tc.wantID)
			}
			switch tc.wantType {
			case "declined":
				var d *payment.DeclinedError
				if !errors.As(err, &d) || d.Message != tc.wantMsg {
					t.Errorf("error = %v, want DeclinedError %q", err, tc.wantMsg)
				}
			case "rejected":
				var r *payment.RejectedError
				if !errors.As(err, &r) || r.Message != tc.wantMsg {
					t.Errorf("error = %v, want RejectedError %q", err, tc.wantMsg)
				}
			default:
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
					t.Errorf("error = %v, want %v", err, tc.wantErr)
				}
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			form := fake.forms[0]
			for k, want := range map[string]string{"amount": "1999", "currency": "usd", "source": "tok_visa", "metadata[orderId]": "abc"} {
				if got := form.Get(k); got != want {
					t.Errorf("form %s = %q, want %q", k, got, want)
				}
			}
			for i, key := range fake.keys { // retries, if any, keep the key
				if key != "charge-order-abc" {
					t.Errorf("request %d: Idempotency-Key = %q, want charge-order-abc", i, key)
				}
			}
			if got, want := fake.auths[0], "Bearer sk_test_key"; got != want {
				t.Errorf("Authorization = %q, want %q", got, want)
			}
		})
	}
}

func TestChargeUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	_, err := stripecharge.New("sk_test_key", base, discard).Charge(context.Background(), payment.Charge{AmountCents: 100, Currency: "usd", Source: "tok_visa", IdempotencyKey: "k"})
	if !errors.Is(err, payment.ErrProcessorDown) {
		t.Fatalf("error = %v, want ErrProcessorDown", err)
	}
}

// TestIntentOnTheFake creates a PaymentIntent through stripe-go on the
// stateful fake (in front of a stub upstream): the amount, currency and
// order id arrive, and the idempotency key gives the same intent back.
func TestIntentOnTheFake(t *testing.T) {
	t.Parallel()
	upstream := httptest.NewServer(http.NotFoundHandler())
	defer upstream.Close()
	fake, err := stripefake.Start(upstream.URL, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	c := stripecharge.New("sk_test_key", fake.URL, discard)
	req := payment.IntentRequest{AmountCents: 1999, Currency: "usd", OrderID: "65a1b2c3d4e5f60718293a4b", IdempotencyKey: "intent-order-x"}
	first, err := c.Intent(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Intent(context.Background(), req)
	if err != nil || again != first || !strings.HasPrefix(first.ClientSecret, first.ID+"_secret_") {
		t.Errorf("intents %+v then %+v (%v), want the same one with its secret", first, again, err)
	}
	res, err := http.Get(fake.URL + "/v1/payment_intents/" + first.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var pi struct {
		Amount   int64
		Currency string
		Metadata map[string]string
	}
	if err := json.NewDecoder(res.Body).Decode(&pi); err != nil || pi.Amount != 1999 || pi.Currency != "usd" || pi.Metadata["orderId"] != req.OrderID {
		t.Errorf("stored intent = %+v, %v", pi, err)
	}
}
