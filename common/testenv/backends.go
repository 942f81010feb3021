package testenv

import (
	"log/slog"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/web"
)

// Backends are the real servers a test wires a service's parts on, as
// lifecycle.RunMongo does: a fresh database of the test MongoDB, a
// connection to the test NATS Streaming, and the readiness checks of both.
type Backends struct {
	DB     *mongo.Database
	Conn   *bus.Conn
	Checks map[string]web.Check
}

// NewBackends returns the test's Backends; the database is dropped and the
// connection closed when the test ends.
func NewBackends(t testing.TB) *Backends {
	t.Helper()
	db := Mongo(t)
	url, cluster := NATS(t)
	conn := bustest.Connect(t, url, cluster)
	return &Backends{DB: db, Conn: conn, Checks: map[string]web.Check{"mongodb": mongodb.Ping(db), "nats": conn.Ping}}
}

// Relay returns the outbox relay of the collection coll, publishing on
// b.Conn once its Run runs (Background runs it for the rest of the test).
func (b *Backends) Relay(coll string) *outbox.Relay {
	return outbox.NewRelay(b.DB.Collection(coll), b.Conn, slog.New(slog.DiscardHandler), 0)
}
