//go:build integration

package httpapi_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/auth/internal/mongostore"
	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
)

// With the integration tag (make test) the suite runs on MongoDB/FerretDB,
// one fresh database per test.

type mongoStore struct {
	*mongostore.Users
	db *mongo.Database
}

func newStore(t testing.TB) testStore {
	t.Helper()
	db := testenv.Mongo(t)
	users, err := mongostore.NewUsers(context.Background(), db, outbox.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return mongoStore{users, db}
}

// StoredHash reads the raw document, not through the store.
func (s mongoStore) StoredHash(t testing.TB, email string) string {
	t.Helper()
	var doc struct {
		PasswordHash string `bson:"passwordHash"`
	}
	err := s.db.Collection(mongostore.Collection).FindOne(context.Background(), bson.M{"email": email}).Decode(&doc)
	if err != nil {
		t.Fatalf("stored user %s: %v", email, err)
	}
	return doc.PasswordHash
}

func (s mongoStore) Ready(ctx context.Context) error { return mongodb.Ping(s.db)(ctx) }

// newAttempts counts sign-in attempts in a fresh database.
func newAttempts(t testing.TB) user.Attempts {
	t.Helper()
	f, err := mongostore.NewSignInFailures(context.Background(), testenv.Mongo(t))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
