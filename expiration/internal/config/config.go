// Package config loads the expiration service's configuration from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config is the service's configuration.
type Config struct {
	Host string // interface the health server binds; empty: all interfaces (in a pod)
	Port string // health probes; default 3000

	Redis *redis.Options // from REDIS_URL, or REDIS_HOST[:REDIS_PORT]

	NATSURL       string
	NATSClusterID string // default "ticketing"
	NATSClientID  string // default "expiration-" + random hex; the pod name in k8s

	ShutdownTimeout time.Duration
}

// Addr is the address the health server listens on.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, c.Port) }

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	cfg := Config{
		Host:            getenv("HOST"),
		Port:            cmp.Or(getenv("PORT"), "3000"),
		NATSURL:         getenv("NATS_URL"),
		NATSClusterID:   cmp.Or(getenv("NATS_CLUSTER_ID"), "ticketing"),
		NATSClientID:    cmp.Or(getenv("NATS_CLIENT_ID"), "expiration-"+randomHex()),
		ShutdownTimeout: 10 * time.Second,
	}
	var errs []error
	if cfg.NATSURL == "" {
		errs = append(errs, errors.New("NATS_URL must be set"))
	}
	if !validPort(cfg.Port) {
		errs = append(errs, fmt.Errorf("PORT must be a port number, got %q", cfg.Port))
	}
	redisOpts, err := redisOptions(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	cfg.Redis = redisOpts
	return cfg, errors.Join(errs...)
}

// redisOptions reads REDIS_URL (redis://[:password@]host:port[/db]), or
// else REDIS_HOST, which may carry its port, with REDIS_PORT (default 6379).
func redisOptions(getenv func(string) string) (*redis.Options, error) {
	if u := getenv("REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL is not a valid redis URL: %w", err)
		}
		return opts, nil
	}
	host := getenv("REDIS_HOST")
	if host == "" {
		return nil, errors.New("REDIS_URL or REDIS_HOST must be set")
	}
	if _, _, err := net.SplitHostPort(host); err == nil {
		return &redis.Options{Addr: host}, nil
	}
	port := cmp.Or(getenv("REDIS_PORT"), "6379")
	if !validPort(port) {
		return nil, fmt.Errorf("REDIS_PORT must be a port number, got %q", port)
	}
	return &redis.Options{Addr: net.JoinHostPort(host, port)}, nil
}

func validPort(s string) bool {
	p, err := strconv.Atoi(s)
	return err == nil && p >= 0 && p <= 65535
}

func randomHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
