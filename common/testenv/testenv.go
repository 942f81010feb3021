// Package testenv gives integration tests the backing servers: MongoDB, NATS
// Streaming (or, through Bus with BUS=jetstream, NATS JetStream), Redis and
// stripe-mock.
//
// Each server is found, in this order:
//  1. in the environment (MONGO_URI, NATS_URL with NATS_CLUSTER_ID,
//     REDIS_URL, STRIPE_API_BASE), as `make deps` / `devstack deps` or CI
//     provide;
//  2. else, for NATS Streaming, a real server embedded in the test binary
//     (so that one package's unacked events never reach another's
//     durable queue groups); for the others, when a Docker engine answers,
//     a container started with testcontainers-go, once per test binary
//     (Ryuk removes it when the binary exits);
//  3. else the test fails with one line saying what to run. It never skips.
//
// Only this package imports testcontainers-go.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DefaultClusterID is the NATS Streaming cluster id when NATS_CLUSTER_ID is
// not set (SPEC.md §8).
const DefaultClusterID = "ticketing"

// MongoURI returns the MongoDB connection string.
func MongoURI(t testing.TB) string {
	t.Helper()
	return mongoServer.get(t)
}

// Mongo returns a database with a fresh random name, dropped when the test
// ends. All calls share one client per test binary (max pool size 20).
func Mongo(t testing.TB) *mongo.Database {
	t.Helper()
	uri := MongoURI(t)
	client, err := mongoClient(uri)
	if err != nil {
		t.Fatal(err)
	}
	name := dbName(t.Name())
	db := client.Database(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return db
}

// NATS returns the NATS Streaming URL and cluster id.
func NATS(t testing.TB) (url, clusterID string) {
	t.Helper()
	url = natsServer.get(t)
	if id := os.Getenv("NATS_CLUSTER_ID"); id != "" && os.Getenv(natsServer.env) != "" {
		return url, id
	}
	return url, DefaultClusterID
}

// RedisURL returns the Redis URL (redis://host:port).
func RedisURL(t testing.TB) string {
	t.Helper()
	return redisServer.get(t)
}

// StripeBase returns the base URL of a stripe-mock server.
func StripeBase(t testing.TB) string {
	t.Helper()
	return stripeServer.get(t)
}

// server is one backing server, resolved at most once per test binary
// (unless its variable is set, which is read on every call).
type server struct {
	env      string
	start    func(ctx context.Context) (string, error) // starts a container, or an embedded server
	embedded bool                                      // start needs no Docker engine

	once  sync.Once
	value string
	err   error
}

var (
	mongoServer  = &server{env: "MONGO_URI", start: startMongo}
	natsServer   = &server{env: "NATS_URL", start: startNATS, embedded: true}
	redisServer  = &server{env: "REDIS_URL", start: startRedis}
	stripeServer = &server{env: "STRIPE_API_BASE", start: startStripe}
)

func (s *server) get(t testing.TB) string {
	t.Helper()
	if v := os.Getenv(s.env); v != "" {
		return v
	}
	s.once.Do(func() {
		health := dockerHealth
		if s.embedded {
			health = func(context.Context) error { return nil }
		}
		s.value, s.err = resolve(s.env, health, s.start)
	})
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.value
}

// resolve starts a container for the server named by env when health says a
// Docker engine answers.
func resolve(env string, health func(context.Context) error, start func(context.Context) (string, error)) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	err := health(ctx)
	cancel()
	if err != nil {
		return "", fmt.Errorf("%s not set and no Docker engine: run `make deps` (or `make test`)", env)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Minute) // image pulls
	defer cancel()
	v, err := start(ctx)
	if err != nil {
		return "", fmt.Errorf("%s not set; start a container for it: %w", env, err)
	}
	return v, nil
}

var (
	clientsMu sync.Mutex
	clients   = map[string]*mongo.Client{} // by URI
)

// mongoClient connects once per URI and pings, so a wrong MONGO_URI fails
// the first test at once rather than at its first query.
func mongoClient(uri string) (*mongo.Client, error) {
	clientsMu.Lock()
	defer clientsMu.Unlock()
	if c, ok := clients[uri]; ok {
		return c, nil
	}
	c, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetMaxPoolSize(20).
		SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("connect to MONGO_URI: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx, nil); err != nil {
		_ = c.Disconnect(context.Background())
		return nil, fmt.Errorf("ping MONGO_URI: %w", err)
	}
	clients[uri] = c
	return c, nil
}

// dbName makes a database name from a test name: "t_", up to 24 characters
// of the name ([a-z0-9_] only), "_" and 16 random hex digits. It is valid
// for MongoDB and for FerretDB (^[a-zA-Z0-9_-]{1,63}$).
func dbName(test string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 26 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(rnd[:]))
	return b.String()
}

var errNoDocker = errors.New("no Docker engine")
