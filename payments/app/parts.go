package app

import (
	"context"
	"log/slog"
	"net/http"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/payments/internal/httpapi"
	"github.com/gittix/ticketing/payments/internal/listener"
	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/stripecharge"
)

// Parts is the payments service without its servers and connections: the
// API and the event handlers, on one database, recording their events in
// its outbox. Run serves them; a test that delivers events itself (the
// storm test of infra/devstack) calls them directly.
type Parts struct {
	API            http.Handler
	OrderCreated   bus.Handler[events.OrderCreated]
	OrderCancelled bus.Handler[events.OrderCancelled]
	// RunRelay publishes the outbox's events until ctx is done.
	RunRelay func(ctx context.Context) error
}

// Options are the settings of NewParts.
type Options struct {
	JWTKey        []byte               // verifies the session cookie
	StripeKey     string               // Stripe secret key
	StripeAPIBase string               // optional: e.g. a stripe-mock URL
	Checks        map[string]web.Check // readiness checks of /readyz
}

// NewParts wires the service on db, creating its indexes; the relay
// publishes on pub.
func NewParts(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger, opts Options) (*Parts, error) {
	orders := mongostore.NewOrders(db)
	payments, err := mongostore.NewPayments(ctx, db)
	if err != nil {
		return nil, err
	}
	relay := payments.NewRelay(pub, log)
	svc := &payment.Service{
		Orders:   orders,
		Payments: payments,
		Charger:  stripecharge.New(opts.StripeKey, opts.StripeAPIBase, log),
		Notify:   relay.Notify,
		Log:      log,
	}
	return &Parts{
		API:            httpapi.New(svc, log, auth.Verifier{Key: opts.JWTKey}, opts.Checks).Routes(),
		OrderCreated:   listener.OrderCreated(orders, log),
		OrderCancelled: listener.OrderCancelled(orders, log),
		RunRelay:       relay.Run,
	}, nil
}
