// Package stack starts the backing servers the services need — MongoDB
// (FerretDB behind mongofront), NATS Streaming, Redis and stripe-mock — on
// 127.0.0.1, without Docker, and hands back the environment that points the
// services at them. `devstack deps` prints that environment; a later
// `devstack dev` can run the services in the same process with it.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Environment variable names, as in SPEC.md §1.
const (
	EnvMongoURI      = "MONGO_URI"
	EnvNATSURL       = "NATS_URL"
	EnvNATSClusterID = "NATS_CLUSTER_ID"
	EnvRedisURL      = "REDIS_URL"
	EnvStripeAPIBase = "STRIPE_API_BASE"
	// EnvBus selects the broker: BusStan (the default) or BusJetStream.
	EnvBus = "BUS"
)

// The brokers BUS names.
const (
	BusStan      = "stan"
	BusJetStream = "jetstream"
)

// Keys lists the environment the stack provides, in print order.
var Keys = []string{EnvMongoURI, EnvBus, EnvNATSURL, EnvNATSClusterID, EnvRedisURL, EnvStripeAPIBase}

// ClusterID is the NATS Streaming cluster id of the embedded server.
const ClusterID = "ticketing"

// Config configures Start. The zero value is valid: nothing persists.
type Config struct {
	// DataDir holds the servers' data (ferretdb/, nats/, redis/), so that it
	// survives a restart. Empty: NATS Streaming and Redis keep data in memory
	// and FerretDB uses a temporary directory removed by Stop.
	DataDir string
	// Getenv reads MONGO_URI, NATS_URL (with NATS_CLUSTER_ID), REDIS_URL and
	// STRIPE_API_BASE; a server whose variable is set is used instead of
	// starting one. Nil: os.Getenv.
	Getenv func(string) string
	// LookPath finds redis-server; when it fails, Redis is miniredis,
	// embedded. Nil: exec.LookPath.
	LookPath func(string) (string, error)
}

// Stack is a set of running backing servers.
type Stack struct {
	env   map[string]string
	log   *slog.Logger
	mu    sync.Mutex
	stops []stopper // in start order; Stop runs them in reverse
}

type stopper struct {
	name string
	stop func() error
}

// part is what starting one server yields.
type part struct {
	name string
	env  map[string]string
	stop func() error // nil for an external server
}

// Start starts the four servers concurrently. On error, the ones already
// started are stopped again. ctx bounds start-up only; the servers run until
// Stop.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Stack, error) {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.LookPath == nil {
		cfg.LookPath = exec.LookPath
	}
	if cfg.DataDir != "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		cfg.DataDir = dir
	}

	starts := []func(context.Context, Config, *slog.Logger) (part, error){
		startMongo, startNATS, startRedis, startStripe,
	}
	parts := make([]part, len(starts))
	errs := make([]error, len(starts))
	var wg sync.WaitGroup
	for i, start := range starts {
		wg.Go(func() {
			begin := time.Now()
			parts[i], errs[i] = start(ctx, cfg, log)
			log.Debug("start", "server", parts[i].name, "took", time.Since(begin), "err", errs[i])
		})
	}
	wg.Wait()

	s := &Stack{env: make(map[string]string), log: log}
	for _, p := range parts {
		if p.stop != nil {
			s.stops = append(s.stops, stopper{p.name, p.stop})
		}
		for k, v := range p.env {
			s.env[k] = v
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// Env returns a copy of the environment that points at the servers
// (the keys in Keys).
func (s *Stack) Env() map[string]string {
	env := make(map[string]string, len(s.env))
	for k, v := range s.env {
		env[k] = v
	}
	return env
}

// EnvLines returns the environment as KEY=value lines, in the order of Keys.
func (s *Stack) EnvLines() []string {
	lines := make([]string, 0, len(Keys))
	for _, k := range Keys {
		lines = append(lines, k+"="+s.env[k])
	}
	return lines
}

// Stop stops every server started by Start, in reverse order. It is safe to
// call more than once.
func (s *Stack) Stop() error {
	s.mu.Lock()
	stops := s.stops
	s.stops = nil
	s.mu.Unlock()
	var errs []error
	for i := len(stops) - 1; i >= 0; i-- {
		if err := stops[i].stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", stops[i].name, err))
		}
		s.log.Info("stopped", "server", stops[i].name)
	}
	return errors.Join(errs...)
}

// subdir returns DataDir/name, or "" when nothing persists.
func (c Config) subdir(name string) string {
	if c.DataDir == "" {
		return ""
	}
	return filepath.Join(c.DataDir, name)
}
