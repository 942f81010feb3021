// Package app wires the tickets service together and runs it. It is a
// public package so that several services can run in one process (make
// dev): it keeps no global state and reads the environment only through
// getenv.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/config"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
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
	return lifecycle.RunMongo(ctx, log, cfg.AppService("tickets", QueueGroup,
		func(ctx context.Context, o lifecycle.Opened) (*Parts, error) {
			return NewParts(ctx, o.DB, o.Bus, log, Options{JWTKey: cfg.JWTKey, TicketsPerHour: cfg.TicketsPerHour, Checks: o.Checks})
		}))
}

// QueueGroup is the queue group and durable name of every listener of the
// service (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = listener.QueueGroup

// Parts is the tickets service without its servers and connections. Its
// Listeners are order:created, order:cancelled and user:banned.
type Parts = lifecycle.App

// Options are the settings of NewParts.
type Options struct {
	JWTKey []byte               // verifies the session cookie
	Checks map[string]web.Check // readiness checks of /readyz
	// TicketsPerHour is how many tickets one user may create per hour; 0
	// means config.DefaultTicketsPerHour (100), a negative number no cap.
	TicketsPerHour int
}

// NewParts wires the service on db, creating its indexes; the relay
// publishes on pub once its Run runs.
func NewParts(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger, opts Options) (*Parts, error) {
	parts, err := lifecycle.NewApp(ctx, db, "tickets", pub, log)
	if err != nil {
		return nil, err
	}
	store := mongostore.New(db.Collection("tickets"), parts.Relay)
	if opts.TicketsPerHour == 0 {
		opts.TicketsPerHour = config.DefaultTicketsPerHour
	}
	var quota ticket.Quota
	if opts.TicketsPerHour > 0 {
		q, err := mongostore.NewQuota(ctx, db, opts.TicketsPerHour, time.Hour, log)
		if err != nil {
			return nil, err
		}
		quota = q
	}
	// Concurrent GET /api/tickets of the same page share list queries (the
	// hot path; see README).
	parts.API = httpapi.New(ticket.NewCoalesced(store), parts.Verifier(opts.JWTKey), log, opts.Checks, quota).Routes()
	parts.Listeners = append(listener.Subscriptions(store, log), bus.On(parts.Bans.Record))
	return parts, nil
}
