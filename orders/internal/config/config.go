// Package config loads the orders service's configuration from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"time"

	"github.com/gittix/ticketing/common/env"
	"github.com/gittix/ticketing/common/lifecycle"
)

// Config is the service's configuration.
type Config struct {
	lifecycle.MongoConfig

	ExpirationWindow time.Duration // EXPIRATION_WINDOW_SECONDS, default 900 s
	// MaxOpenOrders is how many open (unpaid) orders one user may hold at
	// once: MAX_OPEN_ORDERS, default 5.
	MaxOpenOrders int
}

// DefaultMaxOpenOrders is MAX_OPEN_ORDERS when it is unset.
const DefaultMaxOpenOrders = 5

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		MongoConfig:      lifecycle.ReadMongoConfig(r, "orders"),
		ExpirationWindow: r.Seconds("EXPIRATION_WINDOW_SECONDS", 900),
		MaxOpenOrders:    r.Int("MAX_OPEN_ORDERS", DefaultMaxOpenOrders),
	}
	return cfg, r.Err()
}
