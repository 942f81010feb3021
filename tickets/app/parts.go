package app

import (
	"context"
	"log/slog"
	"net/http"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// Parts is the tickets service without its servers and connections: the
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
	JWTKey string               // verifies the session cookie
	Checks map[string]web.Check // readiness checks of /readyz
}

// NewParts wires the service on db; the relay publishes on pub.
func NewParts(db *mongo.Database, pub bus.Publisher, log *slog.Logger, opts Options) *Parts {
	coll := db.Collection("tickets")
	relay := outbox.NewRelay(coll, pub, log, 0)
	store := mongostore.New(coll, relay)
	// Concurrent GET /api/tickets share list queries (the hot path; see README).
	api := httpapi.New(ticket.NewCoalesced(store), auth.Verifier{Key: []byte(opts.JWTKey)}, log, opts.Checks)
	return &Parts{
		API:            api.Routes(),
		OrderCreated:   listener.OrderCreated(store, log),
		OrderCancelled: listener.OrderCancelled(store, log),
		RunRelay:       relay.Run,
	}
}
