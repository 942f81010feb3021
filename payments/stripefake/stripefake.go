// Package stripefake is a small stateful stand-in for Stripe's
// PaymentIntents API and its webhooks, for make dev and the tests. Stripe's
// own mock (stripe-mock) answers statelessly — a confirm always says
// requires_payment_method — so the intent lifecycle is kept here:
//
//	created (requires_payment_method) → confirm with a test card →
//	  succeeded                        (pm_card_visa, 4242 4242 4242 4242)
//	  requires_action → authenticate   (pm_card_authenticationRequired, 4000 0025 0000 3155)
//	  requires_payment_method + error  (pm_card_chargeDeclined, 4000 0000 0000 0002)
//
// and each outcome is sent to the webhook URL as Stripe sends it: a signed
// event (payment_intent.succeeded, payment_intent.payment_failed). Every
// other request goes to the upstream (stripe-mock), so charges and refunds
// keep stripe-mock's faithful answers. GET /v3/stripe.js is a stand-in for
// Stripe.js that drives this lifecycle from a page (stripe.js). It listens
// on 127.0.0.1 only.
package stripefake

import (
	"bytes"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
)

//go:embed stripe.js
var stripeJS []byte

// Test cards: the payment methods Stripe's test mode names, and their numbers.
var cards = map[string]string{
	"4242424242424242": "pm_card_visa",
	"4000002500003155": "pm_card_authenticationRequired",
	"4000000000000002": "pm_card_chargeDeclined",
}

// Delivery is one webhook notice sent, as sent.
type Delivery struct {
	Type      string `json:"type"`
	Payload   []byte `json:"payload"`
	Signature string `json:"signature"` // the Stripe-Signature header
	Status    int    `json:"status"`    // the webhook's answer (0: not reached)
}

// Server is a running fake.
type Server struct {
	URL string // the API base, like https://api.stripe.com

	log      *slog.Logger
	ln       net.Listener
	srv      *http.Server
	upstream *httputil.ReverseProxy
	hook     *http.Client

	mu         sync.Mutex
	webhookURL string
	secret     string
	intents    map[string]map[string]any // id → the intent's JSON object
	byKey      map[string]string         // idempotency key → intent id
	delivered  []Delivery
}

// Start runs the fake on a free port of 127.0.0.1; upstream is the URL of
// stripe-mock, which answers everything but PaymentIntents.
func Start(upstream string, log *slog.Logger) (*Server, error) {
	up, err := url.Parse(upstream)
	if err != nil || up.Host == "" {
		return nil, fmt.Errorf("stripefake: upstream %q is not a URL", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("stripefake: %w", err)
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), log: log, ln: ln,
		upstream: httputil.NewSingleHostReverseProxy(up),
		hook:     &http.Client{Timeout: 10 * time.Second},
		intents:  map[string]map[string]any{},
		byKey:    map[string]string{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/payment_intents", s.create)
	mux.HandleFunc("GET /v1/payment_intents/{id}", s.get)
	mux.HandleFunc("POST /v1/payment_intents/{id}/confirm", s.confirm)
	mux.HandleFunc("POST /v1/payment_intents/{id}/authenticate", s.authenticate)
	// Stripe.js's stand-in, for pages served by the same site.
	mux.HandleFunc("GET /v3/stripe.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(stripeJS)
	})
	// Not Stripe's: what was sent to the webhook, for tests that replay it.
	mux.HandleFunc("GET /v1/_deliveries", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Delivered()) })
	mux.Handle("/", s.upstream)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// SetWebhook makes the fake send its notices to url, signed with secret.
func (s *Server) SetWebhook(url, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.secret = url, secret
}

// Delivered returns the notices sent so far.
func (s *Server) Delivered() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.delivered...)
}

// Close stops the fake.
func (s *Server) Close() error { return s.srv.Close() }

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	amount, err := strconv.ParseInt(r.PostForm.Get("amount"), 10, 64)
	if err != nil || amount <= 0 || r.PostForm.Get("currency") == "" {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "", "amount and currency are required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	if id, ok := s.byKey[key]; ok && key != "" {
		writeJSON(w, http.StatusOK, s.intents[id])
		return
	}
	id := "pi_" + randomHex(12)
	metadata := map[string]string{}
	for k, v := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "metadata["); ok {
			metadata[strings.TrimSuffix(name, "]")] = v[0]
		}
	}
	pi := map[string]any{
		"id": id, "object": "payment_intent", "amount": amount, "currency": r.PostForm.Get("currency"),
		"status": "requires_payment_method", "client_secret": id + "_secret_" + randomHex(12),
		"metadata": metadata, "livemode": false, "created": time.Now().Unix(),
	}
	s.intents[id] = pi
	if key != "" {
		s.byKey[key] = id
	}
	writeJSON(w, http.StatusOK, pi)
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pi, ok := s.intents[r.PathValue("id")]
	if !ok {
		apiError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "No such payment_intent")
		return
	}
	writeJSON(w, http.StatusOK, pi)
}

// confirm takes payment_method (a test payment method) or card_number (a
// test card's number, as the fake's browser form sends it).
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		apiError(w, http.StatusBadRequest, "invalid_request_error", "", err.Error())
		return
	}
	method := r.PostForm.Get("payment_method")
	if n := strings.ReplaceAll(r.PostForm.Get("card_number"), " ", ""); n != "" {
		method = cards[n]
	}
	s.mu.Lock()
	pi, ok := s.intents[r.PathValue("id")]
	switch {
	case !ok:
		s.mu.Unlock()
		apiError(w, http.StatusNotFound, "invalid_request_error", "resource_missing", "No such payment_intent")
		return
	case pi["status"] == "succeeded":
		s.mu.Unlock()
		apiError(w, http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state",
			"This PaymentIntent has already succeeded.")
		return
	}
	var notice string
	switch method {
	case "pm_card_visa":
		pi["status"], notice = "succeeded", "payment_intent.succeeded"
		delete(pi, "last_payment_error")
	case "pm_card_authenticationRequired":
		pi["status"] = "requires_action"
		pi["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{
			"type": "three_d_secure_redirect", "stripe_js": s.URL + "/v1/payment_intents/" + pi["id"].(string) + "/authenticate"}}
	case "pm_card_chargeDeclined":
		pi["status"], notice = "requires_payment_method", "payment_intent.payment_failed"
		pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "card_declined", "message": "Your card was declined."}
	default:
		s.mu.Unlock()
		apiError(w, http.StatusBadRequest, "invalid_request_error", "payment_method_invalid",
			"Use a test card: 4242 4242 4242 4242, 4000 0025 0000 3155 (authentication) or 4000 0000 0000 0002 (declined).")
		return
	}
	body := clone(pi)
	s.mu.Unlock()
	if notice != "" {
		s.notify(notice, body)
	}
	writeJSON(w, http.StatusOK, body)
}

// authenticate completes the 3-D Secure step of an intent that requires
// action: outcome=approve (default) succeeds, outcome=deny fails.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	pi, ok := s.intents[r.PathValue("id")]
	if !ok || pi["status"] != "requires_action" {
		s.mu.Unlock()
		apiError(w, http.StatusBadRequest, "invalid_request_error", "payment_intent_unexpected_state", "Nothing to authenticate.")
		return
	}
	delete(pi, "next_action")
	notice := "payment_intent.succeeded"
	pi["status"] = "succeeded"
	if r.FormValue("outcome") == "deny" {
		notice, pi["status"] = "payment_intent.payment_failed", "requires_payment_method"
		pi["last_payment_error"] = map[string]any{"type": "card_error", "code": "payment_intent_authentication_failure",
			"message": "We are unable to authenticate your payment method."}
	}
	body := clone(pi)
	s.mu.Unlock()
	s.notify(notice, body)
	writeJSON(w, http.StatusOK, body)
}

// notify sends a signed event about obj to the webhook, as Stripe does
// (a few tries), and records it.
func (s *Server) notify(typ string, obj map[string]any) {
	s.mu.Lock()
	url, secret := s.webhookURL, s.secret
	s.mu.Unlock()
	if url == "" {
		return
	}
	event, _ := json.Marshal(map[string]any{
		"id": "evt_" + randomHex(12), "object": "event", "api_version": stripe.APIVersion, "type": typ,
		"created": time.Now().Unix(), "livemode": false, "data": map[string]any{"object": obj},
	})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: event, Secret: secret, Timestamp: time.Now()})
	d := Delivery{Type: typ, Payload: signed.Payload, Signature: signed.Header}
	for attempt := range 5 {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(signed.Payload))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Stripe-Signature", signed.Header)
		res, err := s.hook.Do(req)
		if err == nil {
			res.Body.Close()
			d.Status = res.StatusCode
			if res.StatusCode/100 == 2 {
				break
			}
		}
		s.log.Warn("stripefake: webhook not accepted; trying again", "type", typ, "status", d.Status, "err", err)
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	s.mu.Lock()
	s.delivered = append(s.delivered, d)
	s.mu.Unlock()
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, typ, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"type": typ, "code": code, "message": msg}})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
