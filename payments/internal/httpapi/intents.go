package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/payments/internal/payment"
)

type intentRequest struct {
	OrderID any `json:"orderId"` // any: a wrong JSON type gets the field's message
}

type intentResponse struct {
	ID           string `json:"id"`
	ClientSecret string `json:"clientSecret"`
}

// intent handles POST /api/payments/intents {orderId} (SPEC §11): 201 with
// the order's PaymentIntent (the same one on every call) for Stripe.js to
// confirm in the browser.
func (s *Server) intent(w http.ResponseWriter, r *http.Request) error {
	var req intentRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	hex, _ := req.OrderID.(string)
	orderID, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		return web.Validation(web.FieldError{Field: "orderId", Message: "OrderId must be provided"})
	}
	u, _ := auth.UserFrom(r.Context()) // RequireAuth guarantees a user
	in, err := s.svc.Intent(r.Context(), u.ID, orderID)
	if err != nil {
		return err
	}
	return web.Respond(w, http.StatusCreated, intentResponse{ID: in.ID, ClientSecret: in.ClientSecret})
}

// MaxWebhookBody bounds what the webhook reads: Stripe's notices are a
// few kilobytes.
const MaxWebhookBody = 64 << 10

// WebhookTolerance is how old a signed notice may be (Stripe's default):
// an older one, replayed by someone who captured it, is refused.
const WebhookTolerance = 5 * time.Minute

// webhook handles POST /api/payments/webhook: a notice from Stripe, signed
// with STRIPE_WEBHOOK_SECRET (Stripe-Signature). Unsigned, wrongly signed
// or stale notices get 400. payment_intent.succeeded records the payment
// once (payment:created through the outbox), payment_intent.payment_failed
// records the failure, charge.refunded records the refund; anything else is
// acknowledged and ignored. A failure to record answers 5xx: Stripe sends
// the notice again, and every handling is idempotent.
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
	if err != nil {
		return web.NewError(http.StatusRequestEntityTooLarge, "Notice too large")
	}
	e, err := webhook.ConstructEventWithOptions(body, r.Header.Get("Stripe-Signature"), s.webhookSecret,
		webhook.ConstructEventOptions{Tolerance: WebhookTolerance, IgnoreAPIVersionMismatch: true})
	if s.webhookSecret == "" || err != nil {
		s.log.Warn("webhook notice refused", "err", err)
		return web.NewError(http.StatusBadRequest, "Invalid webhook signature")
	}
	switch e.Type {
	case "payment_intent.succeeded", "payment_intent.payment_failed":
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(e.Data.Raw, &pi); err != nil {
			return web.NewError(http.StatusBadRequest, "Malformed payment intent")
		}
		orderID := pi.Metadata["orderId"]
		if e.Type == "payment_intent.succeeded" {
			err = s.svc.IntentSucceeded(r.Context(), pi.ID, orderID)
		} else {
			reason := "payment failed"
			if pi.LastPaymentError != nil {
				reason = pi.LastPaymentError.Msg
			}
			err = s.svc.IntentFailed(r.Context(), e.ID, pi.ID, orderID, reason)
		}
	case "charge.refunded":
		var ch stripe.Charge
		if err := json.Unmarshal(e.Data.Raw, &ch); err != nil {
			return web.NewError(http.StatusBadRequest, "Malformed charge")
		}
		intentID, refundID := "", ""
		if ch.PaymentIntent != nil {
			intentID = ch.PaymentIntent.ID
		}
		if ch.Refunds != nil && len(ch.Refunds.Data) > 0 {
			refundID = ch.Refunds.Data[0].ID
		}
		err = s.svc.Refunded(r.Context(), ch.ID, intentID, refundID)
	}
	if errors.Is(err, payment.ErrNotFound) {
		s.log.Warn("webhook notice for no order of ours", "type", e.Type, "event_id", e.ID, "err", err)
		err = nil // acknowledged: sending it again cannot help
	}
	if err != nil {
		return err
	}
	return web.Respond(w, http.StatusOK, map[string]bool{"received": true})
}
