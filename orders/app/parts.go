package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/orders/internal/httpapi"
	"github.com/gittix/ticketing/orders/internal/listener"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
)

// Parts is the orders service without its servers and connections: the
// API and the event handlers, on one database, recording their events in
// its outbox. Run serves them; a test that delivers events itself (the
// storm test of infra/devstack) calls them directly.
type Parts struct {
	API                http.Handler
	TicketCreated      bus.Handler[events.TicketCreated]
	TicketUpdated      bus.Handler[events.TicketUpdated]
	ExpirationComplete bus.Handler[events.ExpirationComplete]
	PaymentCreated     bus.Handler[events.PaymentCreated]
	// RunRelay publishes the outbox's events until ctx is done.
	RunRelay func(ctx context.Context) error
}

// Options are the settings of NewParts.
type Options struct {
	JWTKey []byte               // verifies the session cookie
	Window time.Duration        // how long an order holds its ticket unpaid
	Checks map[string]web.Check // readiness checks of /readyz
}

// NewParts wires the service on db, creating its indexes; the relay
// publishes on pub.
func NewParts(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger, opts Options) (*Parts, error) {
	orders, err := mongostore.NewOrders(ctx, db, pub, log)
	if err != nil {
		return nil, err
	}
	tickets := mongostore.NewTickets(db)
	svc := &order.Service{Orders: orders, Tickets: tickets, Window: opts.Window}
	return &Parts{
		API:                httpapi.New(svc, log, auth.Verifier{Key: opts.JWTKey}, opts.Checks).Routes(),
		TicketCreated:      listener.TicketCreated(tickets, log),
		TicketUpdated:      listener.TicketUpdated(tickets, log),
		ExpirationComplete: listener.ExpirationComplete(svc, log),
		PaymentCreated:     listener.PaymentCreated(svc, log),
		RunRelay:           orders.RunRelay,
	}, nil
}
