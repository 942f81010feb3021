//go:build integration

package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/auth/internal/mongostore"
	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
)

// newUsers returns the store on a fresh database.
func newUsers(t *testing.T) (*mongostore.Users, *mongo.Database) {
	t.Helper()
	db := testenv.Mongo(t)
	users, err := mongostore.NewUsers(context.Background(), db, outbox.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return users, db
}

func TestCreateAndFind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	users, db := newUsers(t)
	created, err := users.Create(ctx, "ann@test.com", "$argon2id$h1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := users.ByEmail(ctx, "ann@test.com")
	if err != nil {
		t.Fatal(err)
	}
	if got != created || len(got.ID) != 24 {
		t.Errorf("ByEmail = %+v, want %+v with a 24-hex id", got, created)
	}
	if _, err := users.ByEmail(ctx, "bob@test.com"); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("ByEmail(unknown) err = %v, want ErrNotFound", err)
	}

	// The document holds the id, the email, the hash, the version and,
	// written with it, the user:created that announces it.
	var raw struct {
		ID           bson.ObjectID    `bson:"_id"`
		Email        string           `bson:"email"`
		PasswordHash string           `bson:"passwordHash"`
		Version      int64            `bson:"version"`
		Outbox       []outbox.Message `bson:"outbox"`
	}
	if err := db.Collection(mongostore.Collection).FindOne(ctx, bson.M{}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	wantEvent := `{"id":"` + created.ID + `","email":"ann@test.com","version":0}`
	if raw.ID.Hex() != created.ID || raw.Email != "ann@test.com" || raw.PasswordHash != "$argon2id$h1" || raw.Version != 0 ||
		len(raw.Outbox) != 1 || raw.Outbox[0].Subject != "user:created" || raw.Outbox[0].Data != wantEvent {
		t.Errorf("stored document = %+v, want the user and its user:created %s", raw, wantEvent)
	}
}

// The start-up index creation runs on every start.
func TestNewUsersTwice(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	for range 2 {
		if _, err := mongostore.NewUsers(context.Background(), db, outbox.Discard); err != nil {
			t.Fatalf("NewUsers: %v", err)
		}
	}
}

// The unique index, not a lookup, decides: of 20 simultaneous inserts of
// one email exactly one wins.
func TestCreateConcurrentOneEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	users, db := newUsers(t)
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			_, errs[i] = users.Create(ctx, "race@test.com", "$argon2id$h")
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, user.ErrEmailInUse):
			t.Errorf("insert %d: %v, want nil or ErrEmailInUse", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d inserts of one email succeeded, want 1", won, n)
	}
	if n, err := db.Collection(mongostore.Collection).CountDocuments(ctx, bson.M{}); err != nil || n != 1 {
		t.Errorf("stored users = %d, %v; want 1", n, err)
	}
}

func TestReplaceHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	users, _ := newUsers(t)
	u, err := users.Create(ctx, "ann@test.com", "old")
	if err != nil {
		t.Fatal(err)
	}
	// Only a caller that read the current hash replaces it.
	if err := users.ReplaceHash(ctx, u.ID, "stale", "lost"); err != nil {
		t.Fatal(err)
	}
	if err := users.ReplaceHash(ctx, u.ID, "old", "new"); err != nil {
		t.Fatal(err)
	}
	got, err := users.ByEmail(ctx, "ann@test.com")
	if err != nil || got.PasswordHash != "new" {
		t.Errorf("hash after replace = %q, %v; want new", got.PasswordHash, err)
	}
}
