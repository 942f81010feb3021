// Package config reads the tickets service's configuration from the
// environment. It is the only reader of environment variables.
package config

import (
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"
)

// Config is the service's configuration.
type Config struct {
	Addr     string     // HOST:PORT; HOST empty (every interface, as in a pod), PORT default 3000
	MongoURI string     // MONGO_URI, required; its path names the database (default "tickets")
	JWTKey   []byte     // JWT_KEY, required, at least auth.MinKeyLen bytes
	Bus      bus.Config // NATS_URL (required), NATS_CLUSTER_ID, NATS_CLIENT_ID, BUS_MAX_DELIVERIES
	// TicketsPerHour is how many tickets one user may create per hour:
	// TICKETS_PER_HOUR, default 100.
	TicketsPerHour  int
	ShutdownTimeout time.Duration
}

// DefaultTicketsPerHour is TICKETS_PER_HOUR when it is unset.
const DefaultTicketsPerHour = 100

// Load reads the configuration through getenv and reports every missing
// or invalid variable at once.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		Addr:            r.Addr("3000"),
		MongoURI:        r.Required("MONGO_URI"),
		JWTKey:          r.Secret("JWT_KEY", auth.MinKeyLen),
		Bus:             bus.ConfigFrom(r, "tickets"),
		TicketsPerHour:  r.Int("TICKETS_PER_HOUR", DefaultTicketsPerHour),
		ShutdownTimeout: 10 * time.Second,
	}
	return cfg, r.Err()
}
