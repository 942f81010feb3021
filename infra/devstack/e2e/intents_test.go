//go:build integration

package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// intent is the answer of POST /api/payments/intents, and the fake's view.
type intent struct {
	ID           string `json:"id"`
	ClientSecret string `json:"clientSecret"`
	Status       string `json:"status"`
}

// stripeCall posts a form to the Stripe fake behind the dev gateway, as
// Stripe.js would to Stripe, and decodes the intent it answers.
func stripeCall(t *testing.T, base, path string, form url.Values) intent {
	t.Helper()
	res, err := http.PostForm(base+"/dev/stripe"+path, form)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	var in intent
	if err := json.NewDecoder(res.Body).Decode(&in); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s = %d, %v", path, res.StatusCode, err)
	}
	return in
}

// TestPaymentIntents pays three orders through the PaymentIntent path
// (SPEC §11) against the stateful Stripe fake: a card that succeeds, one
// that needs 3-D Secure (the order is paid only after the authentication),
// and a declined one (recorded, the order stays payable). A signed
// payment_intent.succeeded replayed 10 times stores one payment; unsigned,
// badly signed and stale notices get 400.
func TestPaymentIntents(t *testing.T) {
	t.Parallel()
	const secret = "whsec_e2e_intents"
	base := startApp(t, map[string]string{"STRIPE_WEBHOOK_SECRET": secret})
	seller, buyer := newUser(t, base), newUser(t, base)
	var orders [3]order
	for i := range orders {
		var tk ticket
		seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Intent " + string(rune('A'+i)), "price": 12.5}, 201, &tk)
		orders[i] = placeOrder(t, buyer, tk.ID)
	}
	newIntent := func(o order) intent {
		var in intent
		eventually(t, "intent created", func() bool {
			return buyer.do("POST", "/api/payments/intents", map[string]any{"orderId": o.ID}, &in) == http.StatusCreated
		})
		if !strings.HasPrefix(in.ID, "pi_") || !strings.HasPrefix(in.ClientSecret, in.ID+"_secret_") {
			t.Fatalf("intent = %+v", in)
		}
		return in
	}
	complete := func(o order) bool {
		var got order
		buyer.mustDo("GET", "/api/orders/"+o.ID, nil, 200, &got)
		return got.Status == "complete"
	}

	// 1. A card that succeeds; the same order gets the same intent again.
	paid := newIntent(orders[0])
	if again := newIntent(orders[0]); again.ID != paid.ID {
		t.Errorf("second intent of one order = %s, want %s", again.ID, paid.ID)
	}
	if got := stripeCall(t, base, "/v1/payment_intents/"+paid.ID+"/confirm", url.Values{"payment_method": {"pm_card_visa"}}); got.Status != "succeeded" {
		t.Fatalf("confirm = %+v", got)
	}
	eventually(t, "order paid through its intent", func() bool { return complete(orders[0]) })
	if got := buyer.do("POST", "/api/payments/intents", map[string]any{"orderId": orders[0].ID}, nil); got != http.StatusBadRequest {
		t.Errorf("intent of a paid order = %d, want 400", got)
	}

	// 2. 3-D Secure: requires_action, paid only once authenticated.
	secure := newIntent(orders[1])
	if got := stripeCall(t, base, "/v1/payment_intents/"+secure.ID+"/confirm", url.Values{"card_number": {"4000 0025 0000 3155"}}); got.Status != "requires_action" {
		t.Fatalf("confirm with the authentication card = %+v", got)
	}
	time.Sleep(300 * time.Millisecond)
	if complete(orders[1]) {
		t.Fatal("order paid before the authentication")
	}
	stripeCall(t, base, "/v1/payment_intents/"+secure.ID+"/authenticate", url.Values{"outcome": {"approve"}})
	eventually(t, "order paid after 3-D Secure", func() bool { return complete(orders[1]) })

	// 3. Declined: the failure is recorded, the order stays payable.
	declined := newIntent(orders[2])
	if got := stripeCall(t, base, "/v1/payment_intents/"+declined.ID+"/confirm", url.Values{"card_number": {"4000000000000002"}}); got.Status != "requires_payment_method" {
		t.Fatalf("confirm with the declined card = %+v", got)
	}
	time.Sleep(300 * time.Millisecond)
	if complete(orders[2]) {
		t.Error("a declined card paid the order")
	}
	if got := stripeCall(t, base, "/v1/payment_intents/"+declined.ID+"/confirm", url.Values{"payment_method": {"pm_card_visa"}}); got.Status != "succeeded" {
		t.Fatalf("second confirm = %+v", got)
	}
	eventually(t, "order paid with another card", func() bool { return complete(orders[2]) })

	// The fake's notices: replay the first success 10 times.
	res, err := http.Get(base + "/dev/stripe/v1/_deliveries")
	if err != nil {
		t.Fatal(err)
	}
	var sent []struct {
		Type      string
		Payload   []byte
		Signature string
		Status    int
	}
	if err := json.NewDecoder(res.Body).Decode(&sent); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	types := map[string]int{}
	for _, d := range sent {
		types[d.Type]++
		if d.Status != http.StatusOK {
			t.Errorf("notice %s answered %d, want 200", d.Type, d.Status)
		}
	}
	if types["payment_intent.succeeded"] != 3 || types["payment_intent.payment_failed"] != 1 {
		t.Errorf("notices sent = %v, want 3 successes and 1 failure", types)
	}
	first := sent[0]
	for range 10 {
		if got := postWebhook(t, base, first.Payload, first.Signature); got != http.StatusOK {
			t.Fatalf("replayed notice = %d, want 200", got)
		}
	}
	if n := paymentsOf(t, orders[0].ID); n != 1 {
		t.Errorf("%d payments of order %s after 10 replays, want 1", n, orders[0].ID)
	}

	// Unsigned, wrongly signed, stale (signed with the right secret 10
	// minutes ago, past the 5-minute tolerance): 400. Signed now: 200.
	sign := func(secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: first.Payload, Secret: secret, Timestamp: at}).Header
	}
	if got := postWebhook(t, base, first.Payload, sign(secret, time.Now())); got != http.StatusOK {
		t.Errorf("freshly signed notice = %d, want 200", got)
	}
	for name, sig := range map[string]string{
		"unsigned":     "",
		"wrong secret": sign("whsec_other", time.Now()),
		"stale":        sign(secret, time.Now().Add(-10*time.Minute)),
		"garbage":      "t=1600000000,v1=" + strings.Repeat("ab", 32),
	} {
		if got := postWebhook(t, base, first.Payload, sig); got != http.StatusBadRequest {
			t.Errorf("%s notice = %d, want 400", name, got)
		}
	}
}

func postWebhook(t *testing.T, base string, payload []byte, signature string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/payments/webhook", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("Stripe-Signature", signature)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// paymentsOf counts the payment documents of an order in every payments
// database of the test server (each app has its own prefix).
func paymentsOf(t *testing.T, orderID string) int64 {
	t.Helper()
	ctx := context.Background()
	mc, err := mongo.Connect(options.Client().ApplyURI(os.Getenv("MONGO_URI")))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	names, err := mc.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := bson.ObjectIDFromHex(orderID)
	var n int64
	for _, db := range names {
		if strings.HasSuffix(db, "_payments") {
			c, err := mc.Database(db).Collection("payments").CountDocuments(ctx, bson.D{{Key: "orderId", Value: id}})
			if err != nil {
				t.Fatal(err)
			}
			n += c
		}
	}
	return n
}
