// Package config loads the payments service's configuration from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"
)

// Config is the service's configuration.
type Config struct {
	Addr string // HOST (empty: every interface, in a pod) and PORT (3000)

	JWTKey   []byte
	MongoURI string
	Bus      bus.Config // BUS, NATS_URL, NATS_CLUSTER_ID, NATS_CLIENT_ID

	StripeKey     string
	StripeAPIBase string // optional: e.g. a stripe-mock URL; empty means Stripe's API
	// WebhookSecret verifies Stripe's webhook notices (STRIPE_WEBHOOK_SECRET,
	// whsec_…); without it POST /api/payments/webhook refuses every notice.
	WebhookSecret string

	ShutdownTimeout time.Duration
}

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		Addr:            r.Addr("3000"),
		JWTKey:          r.Secret("JWT_KEY", auth.MinKeyLen),
		MongoURI:        r.Required("MONGO_URI"),
		Bus:             bus.ConfigFrom(r, "payments"),
		StripeKey:       r.Required("STRIPE_KEY"),
		WebhookSecret:   r.String("STRIPE_WEBHOOK_SECRET", ""),
		ShutdownTimeout: 10 * time.Second,
	}
	if r.String("STRIPE_API_BASE", "") != "" {
		cfg.StripeAPIBase = r.URL("STRIPE_API_BASE", "")
	}
	return cfg, r.Err()
}
