package app

import (
	"context"
	"log/slog"
	"net/http"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bans"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/payments/internal/httpapi"
	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
)

// QueueGroup is the queue group and durable name of every listener of the
// service (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = "payments-service"

// Parts is the payments service without its servers and connections: the
// API, the event listeners and the outbox relay, on one database. Run
// serves them; a test that delivers events itself (the storm test of
// infra/devstack) calls them directly.
type Parts struct {
	API http.Handler
	// Listeners are order:created and order:cancelled, to subscribe under
	// QueueGroup.
	Listeners []bus.Subscription
	// Relay publishes the payments' pending events (Relay.Run).
	Relay *outbox.Relay
	// Bans are the banned users, whose tokens the API no longer honours;
	// Bans.Run keeps every replica's set fresh.
	Bans *bans.Set
}

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
	relay := outbox.NewRelay(db.Collection(mongostore.PaymentsCollection), pub, log, 0)
	orders := mongostore.NewOrders(db)
	payments, err := mongostore.NewPayments(ctx, db, relay)
	if err != nil {
		return nil, err
	}
	stripe := stripecharge.New(opts.StripeKey, opts.StripeAPIBase, log)
	svc := &payment.Service{Orders: orders, Payments: payments, Charger: stripe, Intents: stripe, Log: log}
	banned, err := bans.Load(ctx, db, log)
	if err != nil {
		return nil, err
	}
	return &Parts{
		API: httpapi.New(svc, log, auth.Verifier{Key: opts.JWTKey, Banned: banned.Has}, opts.Checks, opts.WebhookSecret).Routes(),
		Listeners: []bus.Subscription{bus.On(listener.OrderCreated(orders)), bus.On(listener.OrderCancelled(svc)),
			bus.On(banned.Record)},
		Relay: relay,
		Bans:  banned,
	}, nil
}
