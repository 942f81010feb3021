// Package app wires the payments service: the order replica fed by
// orders' events, POST /api/payments charging with Stripe, and the outbox
// relay publishing payment:created.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/payments/internal/config"
)

// Run runs the service until ctx is done (then shuts down gracefully) or
// it cannot go on: the broker connection is lost, the relay or the HTTP
// server fails. The shutdown order is lifecycle.Run's: drain HTTP, stop
// the relay, close the listeners and the bus, disconnect MongoDB.
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return lifecycle.RunMongo(ctx, log, lifecycle.MongoService{
		Name: "payments", MongoURI: cfg.MongoURI, Bus: cfg.Bus, QueueGroup: QueueGroup,
		Addr: cfg.Addr, DrainTimeout: cfg.ShutdownTimeout,
		Build: func(ctx context.Context, db *mongo.Database, conn *bus.Conn, checks map[string]web.Check) (lifecycle.Parts, error) {
			parts, err := NewParts(ctx, db, conn, log, Options{
				JWTKey: cfg.JWTKey, StripeKey: cfg.StripeKey, StripeAPIBase: cfg.StripeAPIBase, Checks: checks,
				WebhookSecret: cfg.WebhookSecret,
			})
			if err != nil {
				return lifecycle.Parts{}, err
			}
			return lifecycle.Parts{API: parts.API, Listeners: parts.Listeners, Workers: []func(context.Context) error{parts.Relay.Run, parts.Bans.Run}}, nil
		},
	})
}
