// Package stripecharge charges cards with Stripe, through a client of its
// own (no package-global key), so that several services can share a process.
package stripecharge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"

	"github.com/gittix/ticketing/common/telemetry"
	"github.com/gittix/ticketing/payments/internal/payment"
)

// Timeout bounds one HTTP request to Stripe; with one network retry a
// charge takes at most about twice that, well under payment.ClaimTimeout.
const Timeout = 10 * time.Second

// Charger is a payment.Charger on the Stripe API.
type Charger struct{ api *client.API }

var (
	_ payment.Charger = (*Charger)(nil)
	_ payment.Intents = (*Charger)(nil)
)

// New returns a Charger that uses key, on the API at base (e.g. a
// stripe-mock URL) or, when base is empty, on Stripe's.
func New(key, base string, log *slog.Logger) *Charger {
	cfg := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: Timeout, Transport: telemetry.Transport(nil)}, // a client span per call
		LeveledLogger:     leveledLogger{log.With("component", "stripe")},
		MaxNetworkRetries: stripe.Int64(1), // safe: every charge carries an idempotency key
	}
	if base != "" {
		cfg.URL = stripe.String(base)
	}
	return &Charger{api: client.New(key, stripe.NewBackendsWithConfig(cfg))}
}

// Charge implements payment.Charger.
func (c *Charger) Charge(ctx context.Context, ch payment.Charge) (string, error) {
	params := &stripe.ChargeParams{
		Amount:   stripe.Int64(ch.AmountCents),
		Currency: stripe.String(ch.Currency),
		Source:   &stripe.PaymentSourceSourceParams{Token: stripe.String(ch.Source)},
	}
	params.Context = ctx
	params.SetIdempotencyKey(ch.IdempotencyKey)
	params.AddMetadata("orderId", ch.OrderID)
	charge, err := c.api.Charges.New(params)
	if err != nil {
		return "", classify(err)
	}
	return charge.ID, nil
}

// Intent implements payment.Intents: a PaymentIntent for the amount, any
// payment method the account enables, the order id in its metadata.
func (c *Charger) Intent(ctx context.Context, r payment.IntentRequest) (payment.Intent, error) {
	params := &stripe.PaymentIntentParams{
		Amount:                  stripe.Int64(r.AmountCents),
		Currency:                stripe.String(r.Currency),
		AutomaticPaymentMethods: &stripe.PaymentIntentAutomaticPaymentMethodsParams{Enabled: stripe.Bool(true)},
	}
	params.Context = ctx
	params.SetIdempotencyKey(r.IdempotencyKey)
	params.AddMetadata("orderId", r.OrderID)
	pi, err := c.api.PaymentIntents.New(params)
	if err != nil {
		return payment.Intent{}, classify(err)
	}
	return payment.Intent{ID: pi.ID, ClientSecret: pi.ClientSecret}, nil
}

// Refund implements payment.Charger: the whole charge (ch_…) or
// PaymentIntent (pi_…), once per key.
func (c *Charger) Refund(ctx context.Context, chargeID, idempotencyKey string) (string, error) {
	params := &stripe.RefundParams{Charge: stripe.String(chargeID)}
	if strings.HasPrefix(chargeID, "pi_") {
		params = &stripe.RefundParams{PaymentIntent: stripe.String(chargeID)}
	}
	params.Context = ctx
	params.SetIdempotencyKey(idempotencyKey)
	r, err := c.api.Refunds.New(params)
	if err != nil {
		return "", classify(err)
	}
	return r.ID, nil
}

// classify maps Stripe's errors onto the domain's: a card error is a
// decline, a request Stripe refuses as invalid is a rejection, and
// everything else (network, Stripe's own faults, our key, rate limits) is
// the processor being unavailable.
func classify(err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%w: %w", payment.ErrProcessorDown, err)
	}
	switch {
	case se.Type == stripe.ErrorTypeCard:
		return &payment.DeclinedError{Message: se.Msg}
	case se.Type == stripe.ErrorTypeInvalidRequest && (se.HTTPStatusCode == http.StatusBadRequest || se.HTTPStatusCode == http.StatusNotFound):
		return &payment.RejectedError{Message: se.Msg}
	}
	return fmt.Errorf("%w: stripe %d %s: %s", payment.ErrProcessorDown, se.HTTPStatusCode, se.Type, se.Msg)
}

// leveledLogger sends stripe-go's log lines to slog; its info lines (one
// per request) become debug.
type leveledLogger struct{ log *slog.Logger }

func (l leveledLogger) Debugf(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l leveledLogger) Infof(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l leveledLogger) Warnf(format string, v ...any)  { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l leveledLogger) Errorf(format string, v ...any) { l.log.Error(fmt.Sprintf(format, v...)) }
