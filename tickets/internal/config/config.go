// Package config reads the tickets service's configuration from the
// environment. It is the only reader of environment variables.
package config

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Config is the service's configuration.
type Config struct {
	Host            string // HOST: interface to listen on; default all (set 127.0.0.1 for local runs)
	Port            string // PORT, default 3000
	MongoURI        string // MONGO_URI, required; its path names the database (default "tickets")
	JWTKey          string // JWT_KEY, required
	NATSURL         string // NATS_URL, required
	NATSClusterID   string // NATS_CLUSTER_ID, default "ticketing"
	NATSClientID    string // NATS_CLIENT_ID, default "tickets-" + random hex
	ShutdownTimeout time.Duration
}

// Load reads the configuration through getenv and reports every missing
// required variable at once.
func Load(getenv func(string) string) (Config, error) {
	cfg := Config{
		Host:            getenv("HOST"),
		Port:            cmp.Or(getenv("PORT"), "3000"),
		MongoURI:        getenv("MONGO_URI"),
		JWTKey:          getenv("JWT_KEY"),
		NATSURL:         getenv("NATS_URL"),
		NATSClusterID:   cmp.Or(getenv("NATS_CLUSTER_ID"), "ticketing"),
		NATSClientID:    cmp.Or(getenv("NATS_CLIENT_ID"), "tickets-"+randomHex()),
		ShutdownTimeout: 10 * time.Second,
	}
	var errs []error
	for _, v := range []struct{ name, value string }{
		{"JWT_KEY", cfg.JWTKey},
		{"MONGO_URI", cfg.MongoURI},
		{"NATS_URL", cfg.NATSURL},
	} {
		if v.value == "" {
			errs = append(errs, errors.New(v.name+" must be set"))
		}
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be a port number, got %q", cfg.Port))
	}
	return cfg, errors.Join(errs...)
}

func randomHex() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
