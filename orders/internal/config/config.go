// Package config loads the orders service's configuration from the
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
	Addr string // HOST:PORT; HOST empty (every interface, as in a pod), PORT default 3000

	JWTKey   []byte // JWT_KEY, at least auth.MinKeyLen bytes
	MongoURI string
	Bus      bus.Config // NATS_URL, NATS_CLUSTER_ID, NATS_CLIENT_ID, BUS_MAX_DELIVERIES

	ExpirationWindow time.Duration // EXPIRATION_WINDOW_SECONDS, default 900 s
	// MaxOpenOrders is how many open (unpaid) orders one user may hold at
	// once: MAX_OPEN_ORDERS, default 5.
	MaxOpenOrders   int
	ShutdownTimeout time.Duration
}

// DefaultMaxOpenOrders is MAX_OPEN_ORDERS when it is unset.
const DefaultMaxOpenOrders = 5

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		Addr:             r.Addr("3000"),
		JWTKey:           r.Secret("JWT_KEY", auth.MinKeyLen),
		MongoURI:         r.Required("MONGO_URI"),
		Bus:              bus.ConfigFrom(r, "orders"),
		ExpirationWindow: r.Seconds("EXPIRATION_WINDOW_SECONDS", 900),
		MaxOpenOrders:    r.Int("MAX_OPEN_ORDERS", DefaultMaxOpenOrders),
		ShutdownTimeout:  10 * time.Second,
	}
	return cfg, r.Err()
}
