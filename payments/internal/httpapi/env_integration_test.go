//go:build integration

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/payments/internal/httpapi"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
)

var discard = slog.New(slog.DiscardHandler)

// env is the payments API on a fresh database of the real MongoDB
// (FerretDB), charging through stripe (a recorder in front of stripe-mock,
// or of a fake), with its outbox relay publishing to the real NATS Streaming.
type env struct {
	h      http.Handler
	db     *mongo.Database
	conn   *bus.Conn
	orders *mongostore.Orders
	stripe *recorder
}

// newEnv charges through a recorder in front of upstream (a Stripe API base).
func newEnv(t testing.TB, upstream string) *env {
	t.Helper()
	stripe := newRecorder(t, upstream)
	return newEnvCharging(t, stripe.url, stripe)
}

// newEnvCharging charges at the Stripe API base, recorded by stripe if it
// is in front of it.
func newEnvCharging(t testing.TB, base string, stripe *recorder) *env {
	t.Helper()
	b := testenv.NewBackends(t)
	relay := b.Relay(mongostore.PaymentsCollection)
	payments, err := mongostore.NewPayments(context.Background(), b.DB, relay)
	if err != nil {
		t.Fatalf("NewPayments: %v", err)
	}
	testenv.Background(t, relay.Run) // before the connection closes

	orders := mongostore.NewOrders(b.DB)
	svc := &payment.Service{
		Orders: orders, Payments: payments, Log: discard,
		Charger: stripecharge.New("sk_test_123", base, discard),
	}
	return &env{
		h:  httpapi.New(svc, discard, auth.Verifier{Key: key}, b.Checks, "").Routes(),
		db: b.DB, conn: b.Conn, orders: orders, stripe: stripe,
	}
}

// order puts an order in the replica, as order:created would.
func (e *env) order(t testing.TB, userID string, price float64, status events.OrderStatus) payment.Order {
	t.Helper()
	o := payment.Order{ID: bson.NewObjectID(), UserID: userID, Price: price, Status: status}
	if err := e.orders.Create(context.Background(), o); err != nil {
		t.Fatalf("create order: %v", err)
	}
	return o
}

// pay posts a payment of orderID as user (nil: signed out).
func (e *env) pay(t testing.TB, user *auth.User, body string) *httptest.ResponseRecorder {
	t.Helper()
	return authtest.ServeType(t, e.h, key, user, http.MethodPost, "/api/payments", "application/json", body)
}

// storedPayment is a payment document as stored.
type storedPayment struct {
	ID       bson.ObjectID   `bson:"_id"`
	OrderID  bson.ObjectID   `bson:"orderId"`
	StripeID string          `bson:"stripeId"`
	State    string          `bson:"state"`
	Outbox   []bson.RawValue `bson:"outbox"`
}

// payments returns the stored payments of order id.
func (e *env) payments(t testing.TB, orderID bson.ObjectID) []storedPayment {
	t.Helper()
	cur, err := e.db.Collection("payments").Find(context.Background(), bson.D{{Key: "orderId", Value: orderID}})
	if err != nil {
		t.Fatalf("find payments: %v", err)
	}
	var out []storedPayment
	if err := cur.All(context.Background(), &out); err != nil {
		t.Fatalf("read payments: %v", err)
	}
	return out
}

// chargeRequest is one request that reached the Stripe API.
type chargeRequest struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
	Status         int    // of Stripe's answer
	ChargeID       string // id in Stripe's answer
}

// recorder is a reverse proxy in front of a Stripe API that records the
// requests and the charge ids answered.
type recorder struct {
	url string

	mu   sync.Mutex
	reqs []chargeRequest
}

func newRecorder(t testing.TB, upstream string) *recorder {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var charge struct{ ID string }
		json.Unmarshal(body, &charge)
		req := resp.Request
		sent, _ := req.Context().Value(bodyKey{}).(string)
		form, _ := url.ParseQuery(sent)
		r.mu.Lock()
		r.reqs = append(r.reqs, chargeRequest{
			Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key"),
			Form: form, Status: resp.StatusCode, ChargeID: charge.ID,
		})
		r.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), bodyKey{}, string(body))))
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

type bodyKey struct{} // the request body, carried to ModifyResponse

// charges returns the charge requests recorded so far.
func (r *recorder) charges() []chargeRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []chargeRequest
	for _, c := range r.reqs {
		if c.Method == http.MethodPost && c.Path == "/v1/charges" {
			out = append(out, c)
		}
	}
	return out
}

// declining is a Stripe API that declines every card, as Stripe does.
func declining(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", "req_test")
		w.WriteHeader(http.StatusPaymentRequired)
		io.WriteString(w, `{"error":{"charge":"ch_declined","code":"card_declined","decline_code":"generic_decline",`+
			`"doc_url":"https://stripe.com/docs/error-codes/card-declined","message":"Your card was declined.","type":"card_error"}}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// unreachable is the base URL of a Stripe API that is not there.
func unreachable(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

func user(id string) *auth.User { return &auth.User{ID: id, Email: id + "@test.dev"} }

func body(token string, orderID bson.ObjectID) string {
	return `{"token":"` + token + `","orderId":"` + orderID.Hex() + `"}`
}

func httptestGet(e *env, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}
