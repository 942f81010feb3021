// Package config loads the payments service's configuration from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"github.com/gittix/ticketing/common/env"
	"github.com/gittix/ticketing/common/lifecycle"
)

// Config is the service's configuration.
type Config struct {
	lifecycle.MongoConfig

	StripeKey     string
	StripeAPIBase string // optional: e.g. a stripe-mock URL; empty means Stripe's API
	// WebhookSecret verifies Stripe's webhook notices (STRIPE_WEBHOOK_SECRET,
	// whsec_…); without it POST /api/payments/webhook refuses every notice.
	WebhookSecret string
}

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		MongoConfig:   lifecycle.ReadMongoConfig(r, "payments"),
		StripeKey:     r.Required("STRIPE_KEY"),
		WebhookSecret: r.String("STRIPE_WEBHOOK_SECRET", ""),
	}
	if r.String("STRIPE_API_BASE", "") != "" {
		cfg.StripeAPIBase = r.URL("STRIPE_API_BASE", "")
	}
	return cfg, r.Err()
}
