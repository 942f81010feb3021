// Package app wires the tickets service together and runs it. It is a
// public package so that several services can run in one process (make
// dev): it keeps no global state and reads the environment only through
// getenv.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/config"
)

// Run runs the tickets service until ctx is done (then it shuts down
// gracefully and returns nil) or it cannot go on: the NATS connection is
// lost, the relay or the HTTP server fails. The shutdown order is
// lifecycle.Run's: drain HTTP, stop the relay, close the listeners and
// NATS, disconnect MongoDB (bounded).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	client, db, err := mongodb.Connect(ctx, cfg.MongoURI, "tickets")
	if err != nil {
		return err
	}
	conn, err := bus.Connect(ctx, cfg.Bus, log)
	if err != nil {
		return errors.Join(err, disconnect(client.Disconnect))
	}
	parts, err := NewParts(ctx, db, conn, log, Options{JWTKey: cfg.JWTKey, TicketsPerHour: cfg.TicketsPerHour,
		Checks: map[string]web.Check{"mongodb": mongodb.Ping(db), "nats": conn.Ping}})
	if err != nil {
		return errors.Join(err, conn.Close(), disconnect(client.Disconnect))
	}
	return lifecycle.Run(ctx, log, lifecycle.Service{
		Addr: cfg.Addr, Handler: parts.API, DrainTimeout: cfg.ShutdownTimeout,
		Workers: []func(context.Context) error{parts.Relay.Run},
		Bus:     conn, Listen: bus.ListenerConfig{QueueGroup: QueueGroup}, Listeners: parts.Listeners,
		Close: []func(context.Context) error{client.Disconnect},
	})
}

// disconnect closes a store when the service cannot start, within 5 s.
func disconnect(close func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return close(ctx)
}
