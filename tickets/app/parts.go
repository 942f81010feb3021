package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bans"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/config"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/listener"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// QueueGroup is the queue group and durable name of every listener of the
// service (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = listener.QueueGroup

// Parts is the tickets service without its servers and connections: the
// API, the event listeners and the outbox relay, on one database. Run
// serves them; a test that delivers events itself (the storm test of
// infra/devstack) calls them directly.
type Parts struct {
	API http.Handler
	// Listeners are order:created and order:cancelled, to subscribe under
	// QueueGroup.
	Listeners []bus.Subscription
	// Relay publishes the tickets' pending events (Relay.Run).
	Relay *outbox.Relay
	// Bans are the banned users, whose tokens the API no longer honours;
	// Bans.Run keeps every replica's set fresh.
	Bans *bans.Set
}

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
	coll := db.Collection("tickets")
	relay := outbox.NewRelay(coll, pub, log, 0)
	store := mongostore.New(coll, relay)
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
	banned, err := bans.Load(ctx, db, log)
	if err != nil {
		return nil, err
	}
	api := httpapi.New(ticket.NewCoalesced(store), auth.Verifier{Key: opts.JWTKey, Banned: banned.Has}, log, opts.Checks, quota)
	return &Parts{
		API:       api.Routes(),
		Listeners: append(listener.Subscriptions(store, log), bus.On(banned.Record)),
		Relay:     relay,
		Bans:      banned,
	}, nil
}
