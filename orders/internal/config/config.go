// Package config loads the orders service's configuration from the
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
)

// Config is the service's configuration.
type Config struct {
	Host string // interface to bind; empty: all interfaces (in a pod)
	Port string // default 3000

	JWTKey   []byte
	MongoURI string

	NATSURL       string
	NATSClusterID string // default "ticketing"
	NATSClientID  string // default "orders-" + random hex; the pod name in k8s

	ExpirationWindow time.Duration // EXPIRATION_WINDOW_SECONDS, default 900 s
	ShutdownTimeout  time.Duration
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
		NATSClientID:    cmp.Or(getenv("NATS_CLIENT_ID"), "orders-"+randomHex()),
		ShutdownTimeout: 10 * time.Second,
	}
	var errs []error
	for _, req := range []struct{ name, value string }{
		{"JWT_KEY", string(cfg.JWTKey)},
		{"MONGO_URI", cfg.MongoURI},
		{"NATS_URL", cfg.NATSURL},
	} {
		if req.value == "" {
			errs = append(errs, fmt.Errorf("%s must be set", req.name))
		}
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be a port number, got %q", cfg.Port))
	}
	window := cmp.Or(getenv("EXPIRATION_WINDOW_SECONDS"), "900")
	if secs, err := strconv.Atoi(window); err != nil || secs <= 0 {
		errs = append(errs, fmt.Errorf("EXPIRATION_WINDOW_SECONDS must be a positive whole number, got %q", window))
	} else {
		cfg.ExpirationWindow = time.Duration(secs) * time.Second
	}
	return cfg, errors.Join(errs...)
}

func randomHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
