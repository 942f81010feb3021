// Package config reads the tickets service's configuration from the
// environment. It is the only reader of environment variables.
package config

import (
	"github.com/gittix/ticketing/common/env"
	"github.com/gittix/ticketing/common/lifecycle"
)

// Config is the service's configuration.
type Config struct {
	lifecycle.MongoConfig
	// TicketsPerHour is how many tickets one user may create per hour:
	// TICKETS_PER_HOUR, default 100.
	TicketsPerHour int
}

// DefaultTicketsPerHour is TICKETS_PER_HOUR when it is unset.
const DefaultTicketsPerHour = 100

// Load reads the configuration through getenv and reports every missing
// or invalid variable at once.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		MongoConfig:    lifecycle.ReadMongoConfig(r, "tickets"),
		TicketsPerHour: r.Int("TICKETS_PER_HOUR", DefaultTicketsPerHour),
	}
	return cfg, r.Err()
}
