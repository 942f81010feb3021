package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/telemetry"
	"github.com/gittix/ticketing/common/web"
)

// Parts is what a service builds on its database and bus connection: its
// HTTP handler, its listeners, and its background workers (the outbox
// relay, say).
type Parts struct {
	API       http.Handler
	Listeners []bus.Subscription
	Workers   []func(ctx context.Context) error
}

// MongoService is a service whose state is one MongoDB database and which
// talks on the bus — the shape of tickets, orders, payments and
// notifications.
type MongoService struct {
	Name         string // the database, unless the URI names one
	MongoURI     string
	Bus          bus.Config // no URL: the service does not use the bus
	QueueGroup   string     // of every listener
	Addr         string
	DrainTimeout time.Duration
	// Build wires the service on what RunMongo opened.
	Build func(ctx context.Context, o Opened) (Parts, error)
}

// Opened is what RunMongo opens for a MongoService to build on.
type Opened struct {
	DB  *mongo.Database
	Bus *bus.Conn // nil without a bus
	// Checks are the readiness checks of the database and the bus, for
	// web.NewRouter.
	Checks map[string]web.Check
}

// RunMongo connects to MongoDB and the bus, builds the service and runs it
// with Run: until ctx is done (then it returns nil) or it cannot go on. A
// failure before it runs closes what was opened.
func RunMongo(ctx context.Context, log *slog.Logger, s MongoService) error {
	client, db, err := mongodb.Connect(ctx, s.MongoURI, s.Name)
	if err != nil {
		return err
	}
	svc := Service{Name: s.Name, Addr: s.Addr, DrainTimeout: s.DrainTimeout, Close: []func(context.Context) error{client.Disconnect}}
	checks := map[string]web.Check{"mongodb": mongodb.Ping(db)}
	if s.Bus.URL != "" {
		if svc.Bus, err = bus.Connect(ctx, s.Bus, log); err != nil {
			return errors.Join(err, closeNow(client.Disconnect))
		}
		checks["nats"] = svc.Bus.Ping
	}
	parts, err := s.Build(ctx, Opened{DB: db, Bus: svc.Bus, Checks: checks})
	if err != nil {
		if svc.Bus != nil {
			err = errors.Join(err, svc.Bus.Close())
		}
		return errors.Join(err, closeNow(client.Disconnect))
	}
	svc.Handler, svc.Workers, svc.Listeners = parts.API, parts.Workers, parts.Listeners
	// One backlog per database: several apps in one process (make dev,
	// the tests) each report theirs while they run.
	metrics, key := telemetry.For(s.Name), "outbox/"+db.Name()
	metrics.Register(key, outbox.Backlog(db))
	defer metrics.Unregister(key)
	svc.Listen = bus.ListenerConfig{QueueGroup: s.QueueGroup}
	return Run(ctx, log, svc)
}

// closeNow closes a store when the service cannot start, within 5 s.
func closeNow(close func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return close(ctx)
}
