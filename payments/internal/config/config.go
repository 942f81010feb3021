// Package config loads the payments service's configuration from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"
)

// Config is the service's configuration.
type Config struct {
	Host string // interface to bind; empty: all interfaces (in a pod)
	Port string // default 3000

	JWTKey   []byte
	MongoURI string

	NATSURL       string
	NATSClusterID string // default "ticketing"
	NATSClientID  string // default "payments-" + random hex; the pod name in k8s

	StripeKey     string
	StripeAPIBase string // optional: e.g. a stripe-mock URL; empty means Stripe's API

	ShutdownTimeout time.Duration
}

// Addr is the address the HTTP server listens on.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, c.Port) }

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	cfg := Config{
		Host:            getenv("HOST"),
		Port:            cmp.Or(getenv("PORT"), "3000"),
		JWTKey:          []byte(getenv("JWT_KEY")),
		MongoURI:        getenv("MONGO_URI"),
		NATSURL:         getenv("NATS_URL"),
		NATSClusterID:   cmp.Or(getenv("NATS_CLUSTER_ID"), "ticketing"),
		NATSClientID:    cmp.Or(getenv("NATS_CLIENT_ID"), "payments-"+randomHex()),
		StripeKey:       getenv("STRIPE_KEY"),
		StripeAPIBase:   getenv("STRIPE_API_BASE"),
		ShutdownTimeout: 10 * time.Second,
	}
	var errs []error
	for _, req := range []struct{ name, value string }{
		{"JWT_KEY", string(cfg.JWTKey)},
		{"MONGO_URI", cfg.MongoURI},
		{"NATS_URL", cfg.NATSURL},
		{"STRIPE_KEY", cfg.StripeKey},
	} {
		if req.value == "" {
			errs = append(errs, fmt.Errorf("%s must be set", req.name))
		}
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be a port number, got %q", cfg.Port))
	}
	if b := cfg.StripeAPIBase; b != "" {
		if u, err := url.Parse(b); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("STRIPE_API_BASE must be an http(s) URL, got %q", b))
		}
	}
	return cfg, errors.Join(errs...)
}

func randomHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
