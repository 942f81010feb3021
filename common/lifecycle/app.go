package lifecycle

import (
	"context"
	"log/slog"
	"net/http"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bans"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/outbox"
)

// App is what tickets, orders and payments wire on their database, without
// their servers and connections: Run serves it; a test that delivers events
// itself (the storm test of infra/devstack) calls it directly.
type App struct {
	API http.Handler
	// Listeners are the service's event handlers, to subscribe under its
	// queue group.
	Listeners []bus.Subscription
	// Relay publishes the service's pending events (Relay.Run).
	Relay *outbox.Relay
	// Bans are the banned users, whose tokens the API no longer honours;
	// Bans.Run keeps every replica's set fresh.
	Bans *bans.Set
}

// NewApp starts the App of a service on db: the relay of the outbox in
// the collection coll, which publishes on pub once its Run runs, and the
// banned users, read once. The service adds its API and listeners.
func NewApp(ctx context.Context, db *mongo.Database, coll string, pub bus.Publisher, log *slog.Logger) (*App, error) {
	banned, err := bans.Load(ctx, db, log)
	if err != nil {
		return nil, err
	}
	return &App{Relay: outbox.NewRelay(db.Collection(coll), pub, log, 0), Bans: banned}, nil
}

// Verifier verifies the session tokens signed with key, and refuses those
// of banned users.
func (a *App) Verifier(key []byte) auth.Verifier {
	return auth.Verifier{Key: key, Banned: a.Bans.Has}
}

// AppService is the MongoService of the App that newApp wires, on c's
// address, database and bus, its listeners in queueGroup. The App's relay
// and the refresh of its bans run as the service's workers.
func (c MongoConfig) AppService(name, queueGroup string, newApp func(ctx context.Context, o Opened) (*App, error)) MongoService {
	return MongoService{
		Name: name, MongoURI: c.MongoURI, Bus: c.Bus, QueueGroup: queueGroup,
		Addr: c.Addr, DrainTimeout: c.ShutdownTimeout,
		Build: func(ctx context.Context, o Opened) (Parts, error) {
			app, err := newApp(ctx, o)
			if err != nil {
				return Parts{}, err
			}
			return Parts{API: app.API, Listeners: app.Listeners, Workers: []func(context.Context) error{app.Relay.Run, app.Bans.Run}}, nil
		},
	}
}
