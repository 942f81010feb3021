// Package app wires the orders service together. It is public so that
// several services can run in one process (make dev): it keeps no global
// state and reads the environment only through getenv.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/orders/internal/config"
)

// Run runs the orders service until ctx is done (then it shuts down
// gracefully and returns nil) or it cannot go on: the NATS Streaming
// connection is lost, the relay or the HTTP server fails. The shutdown
// order is lifecycle.Run's: drain HTTP, stop the relay, close the
// listeners and NATS, disconnect MongoDB (bounded).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return lifecycle.RunMongo(ctx, log, lifecycle.MongoService{
		Name: "orders", MongoURI: cfg.MongoURI, Bus: cfg.Bus, QueueGroup: QueueGroup,
		Addr: cfg.Addr, DrainTimeout: cfg.ShutdownTimeout,
		Build: func(ctx context.Context, db *mongo.Database, conn *bus.Conn, checks map[string]web.Check) (lifecycle.Parts, error) {
			parts, err := NewParts(ctx, db, conn, log, Options{JWTKey: cfg.JWTKey, Window: cfg.ExpirationWindow, MaxOpen: cfg.MaxOpenOrders, Checks: checks})
			if err != nil {
				return lifecycle.Parts{}, err
			}
			return lifecycle.Parts{API: parts.API, Listeners: parts.Listeners, Workers: []func(context.Context) error{parts.Relay.Run, parts.Bans.Run}}, nil
		},
	})
}
