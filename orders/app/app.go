// Package app wires the orders service together. It is public so that
// several services can run in one process (make dev): it keeps no global
// state and reads the environment only through getenv.
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
	"github.com/gittix/ticketing/orders/internal/config"
	"github.com/gittix/ticketing/orders/internal/httpapi"
	"github.com/gittix/ticketing/orders/internal/listener"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
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
	return lifecycle.RunMongo(ctx, log, cfg.AppService("orders", QueueGroup,
		func(ctx context.Context, o lifecycle.Opened) (*Parts, error) {
			return NewParts(ctx, o.DB, o.Bus, log, Options{JWTKey: cfg.JWTKey, Window: cfg.ExpirationWindow, MaxOpen: cfg.MaxOpenOrders, Checks: o.Checks})
		}))
}

// QueueGroup is the queue group and durable name of every listener of the
// service (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = listener.QueueGroup

// Parts is the orders service without its servers and connections. Its
// Listeners are ticket:created, ticket:updated, expiration:complete,
// payment:created and user:banned.
type Parts = lifecycle.App

// Options are the settings of NewParts.
type Options struct {
	JWTKey []byte        // verifies the session cookie
	Window time.Duration // how long an order holds its ticket unpaid
	// MaxOpen is how many open (unpaid) orders a user may hold at once;
	// 0 means config.DefaultMaxOpenOrders (5), a negative number no limit.
	MaxOpen int
	Checks  map[string]web.Check // readiness checks of /readyz
}

// NewParts wires the service on db, creating its indexes; the relay
// publishes on pub once its Run runs.
func NewParts(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger, opts Options) (*Parts, error) {
	parts, err := lifecycle.NewApp(ctx, db, "orders", pub, log)
	if err != nil {
		return nil, err
	}
	orders, err := mongostore.NewOrders(ctx, db.Collection("orders"), parts.Relay)
	if err != nil {
		return nil, err
	}
	if opts.MaxOpen == 0 {
		opts.MaxOpen = config.DefaultMaxOpenOrders
	}
	tickets := mongostore.NewTickets(db)
	svc := &order.Service{Orders: orders, Tickets: tickets, Window: opts.Window, MaxOpen: opts.MaxOpen}
	parts.API = httpapi.New(svc, log, parts.Verifier(opts.JWTKey), opts.Checks).Routes()
	parts.Listeners = []bus.Subscription{
		bus.On(listener.TicketCreated(tickets, log)),
		bus.On(listener.TicketUpdated(tickets, log)),
		bus.On(listener.ExpirationComplete(svc, log)),
		bus.On(listener.PaymentCreated(svc, log)),
		bus.On(listener.UserBanned(parts.Bans, svc, log)),
	}
	return parts, nil
}
