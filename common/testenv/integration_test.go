//go:build integration

package testenv_test

import (
	"context"
	"net"
	"net/url"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/testenv"
)

func TestMongo(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var name string
	t.Run("database", func(t *testing.T) {
		db := testenv.Mongo(t)
		name = db.Name()
		if _, err := db.Collection("c").InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
			t.Fatal(err)
		}
		if other := testenv.Mongo(t); other.Name() == name {
			t.Errorf("two calls gave one database %s", name)
		}
	})
	// The subtest's cleanup has dropped its database.
	names, err := testenv.Mongo(t).Client().ListDatabaseNames(ctx, bson.D{{Key: "name", Value: name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("database %s still exists after the test", name)
	}
}

// TestServersAnswer dials every server.
func TestServersAnswer(t *testing.T) {
	t.Parallel()
	natsURL, clusterID := testenv.NATS(t)
	if clusterID == "" {
		t.Error("empty NATS cluster id")
	}
	for _, raw := range []string{testenv.MongoURI(t), natsURL, testenv.RedisURL(t), testenv.StripeBase(t)} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%q: %v", raw, err)
		}
		d := net.Dialer{Timeout: 5 * time.Second}
		c, err := d.DialContext(context.Background(), "tcp", u.Host)
		if err != nil {
			t.Errorf("dial %s: %v", raw, err)
			continue
		}
		_ = c.Close()
	}
}
