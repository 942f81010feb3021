// Package mongodb connects a service to its MongoDB database and classifies
// the driver's errors. It works the same against MongoDB and FerretDB.
package mongodb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/gittix/ticketing/common/telemetry"
)

// Connect opens a client for uri and returns the database named in the
// URI's path, or defaultDB when the path names none. It pings the server,
// for a clear error at start-up. Commands run in a traced request are spans
// of the service defaultDB names.
func Connect(ctx context.Context, uri, defaultDB string) (*mongo.Client, *mongo.Database, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetMaxPoolSize(32).
		SetServerSelectionTimeout(5 * time.Second).
		SetTimeout(10 * time.Second).
		SetMonitor(telemetry.MongoMonitor(defaultDB)))
	if err != nil {
		return nil, nil, fmt.Errorf("connect mongodb: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Ping(pctx, nil); err != nil {
		client.Disconnect(context.Background())
		return nil, nil, fmt.Errorf("ping mongodb: %w", err)
	}
	return client, client.Database(cmp.Or(DatabaseName(uri), defaultDB)), nil
}

// DatabaseName returns the database named in a MongoDB URI's path, if any.
func DatabaseName(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

// Unavailable reports whether err means the server could not be reached, so
// that the request may succeed later (a 503, not a 500).
func Unavailable(err error) bool {
	var sel topology.ServerSelectionError
	var pool driver.RetryablePoolError // "connection pool … was cleared"
	return mongo.IsNetworkError(err) || mongo.IsTimeout(err) ||
		errors.As(err, &sel) || errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &pool) && pool.Retryable()
}

// Ping reports whether the database's server answers; for readiness probes.
func Ping(db *mongo.Database) func(context.Context) error {
	return func(ctx context.Context) error { return db.Client().Ping(ctx, nil) }
}
