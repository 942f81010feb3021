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
	"github.com/gittix/ticketing/orders/internal/config"
	"github.com/gittix/ticketing/orders/internal/httpapi"
	"github.com/gittix/ticketing/orders/internal/listener"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
)

// QueueGroup is the queue group and durable name of every listener of the
// service (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = listener.QueueGroup

// Parts is the orders service without its servers and connections: the
// API, the event listeners and the outbox relay, on one database. Run
// serves them; a test that delivers events itself (the storm test of
// infra/devstack) calls them directly.
type Parts struct {
	API http.Handler
	// Listeners are ticket:created, ticket:updated, expiration:complete
	// and payment:created, to subscribe under QueueGroup.
	Listeners []bus.Subscription
	// Relay publishes the orders' pending events (Relay.Run).
	Relay *outbox.Relay
	// Bans are the banned users, whose tokens the API no longer honours;
	// Bans.Run keeps every replica's set fresh.
	Bans *bans.Set
}

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
	coll := db.Collection("orders")
	relay := outbox.NewRelay(coll, pub, log, 0)
	orders, err := mongostore.NewOrders(ctx, coll, relay)
	if err != nil {
		return nil, err
	}
	if opts.MaxOpen == 0 {
		opts.MaxOpen = config.DefaultMaxOpenOrders
	}
	tickets := mongostore.NewTickets(db)
	svc := &order.Service{Orders: orders, Tickets: tickets, Window: opts.Window, MaxOpen: opts.MaxOpen}
	banned, err := bans.Load(ctx, db, log)
	if err != nil {
		return nil, err
	}
	return &Parts{
		API: httpapi.New(svc, log, auth.Verifier{Key: opts.JWTKey, Banned: banned.Has}, opts.Checks).Routes(),
		Listeners: []bus.Subscription{
			bus.On(listener.TicketCreated(tickets, log)),
			bus.On(listener.TicketUpdated(tickets, log)),
			bus.On(listener.ExpirationComplete(svc, log)),
			bus.On(listener.PaymentCreated(svc, log)),
			bus.On(listener.UserBanned(banned, svc, log)),
		},
		Relay: relay,
		Bans:  banned,
	}, nil
}
