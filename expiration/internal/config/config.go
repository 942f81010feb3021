// Package config loads the expiration service's configuration from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"
)

// Config is the service's configuration.
type Config struct {
	Addr string // the health probes' address: HOST (empty: every interface, in a pod) and PORT (3000)

	Redis *redis.Options // from REDIS_URL, or REDIS_HOST[:REDIS_PORT]
	Bus   bus.Config     // BUS, NATS_URL, NATS_CLUSTER_ID, NATS_CLIENT_ID

	ShutdownTimeout time.Duration
}

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		Addr:            r.Addr("3000"),
		Redis:           redisOptions(r),
		Bus:             bus.ConfigFrom(r, "expiration"),
		ShutdownTimeout: 10 * time.Second,
	}
	return cfg, r.Err()
}

// redisOptions reads REDIS_URL (redis://[:password@]host:port[/db]), or
// else REDIS_HOST, which may carry its port, with REDIS_PORT (default 6379).
func redisOptions(r *env.Reader) *redis.Options {
	if u := r.String("REDIS_URL", ""); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			r.Fail(fmt.Errorf("REDIS_URL is not a valid redis URL: %w", err))
		}
		return opts
	}
	host := r.String("REDIS_HOST", "")
	if host == "" {
		r.Fail(errors.New("REDIS_URL or REDIS_HOST must be set"))
		return nil
	}
	if _, _, err := net.SplitHostPort(host); err == nil {
		return &redis.Options{Addr: host}
	}
	return &redis.Options{Addr: net.JoinHostPort(host, r.Port("REDIS_PORT", "6379"))}
}
