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
	"github.com/gittix/ticketing/payments/internal/httpapi"
	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
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
	return lifecycle.RunMongo(ctx, log, cfg.AppService("payments", QueueGroup,
		func(ctx context.Context, o lifecycle.Opened) (*Parts, error) {
			return NewParts(ctx, o.DB, o.Bus, log, Options{
				JWTKey: cfg.JWTKey, StripeKey: cfg.StripeKey, StripeAPIBase: cfg.StripeAPIBase, Checks: o.Checks,
				WebhookSecret: cfg.WebhookSecret,
			})
		}))
}

// QueueGroup is the queue group and durable name of every listener of the
// service (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = "payments-service"

// Parts is the payments service without its servers and connections. Its
// Listeners are order:created, order:cancelled and user:banned.
type Parts = lifecycle.App

// Options are the settings of NewParts.
type Options struct {
	JWTKey        []byte               // verifies the session cookie
	StripeKey     string               // Stripe secret key
	StripeAPIBase string               // optional: e.g. a stripe-mock URL
	WebhookSecret string               // verifies Stripe's webhook notices (whsec_…)
	Checks        map[string]web.Check // readiness checks of /readyz
}

// NewParts wires the service on db, creating its indexes; the relay, told
// by the payments store about every write's events, publishes them on pub
// once its Run runs.
func NewParts(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger, opts Options) (*Parts, error) {
	parts, err := lifecycle.NewApp(ctx, db, mongostore.PaymentsCollection, pub, log)
	if err != nil {
		return nil, err
	}
	orders := mongostore.NewOrders(db)
	payments, err := mongostore.NewPayments(ctx, db, parts.Relay)
	if err != nil {
		return nil, err
	}
	stripe := stripecharge.New(opts.StripeKey, opts.StripeAPIBase, log)
	svc := &payment.Service{Orders: orders, Payments: payments, Charger: stripe, Intents: stripe, Log: log}
	parts.API = httpapi.New(svc, log, parts.Verifier(opts.JWTKey), opts.Checks, opts.WebhookSecret).Routes()
	parts.Listeners = []bus.Subscription{bus.On(listener.OrderCreated(orders)), bus.On(listener.OrderCancelled(svc)),
		bus.On(parts.Bans.Record)}
	return parts, nil
}
