//go:build !integration

package httpapi_test

import (
	"context"
	"testing"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/auth/internal/user/usertest"
)

// Without the integration tag the suite runs on the in-memory store; with
// it (make test), on MongoDB/FerretDB (store_mongo_test.go).

type memStore struct{ *usertest.MemStore }

func newStore(testing.TB) testStore { return memStore{usertest.NewMemStore()} }

func (s memStore) StoredHash(t testing.TB, email string) string {
	t.Helper()
	u, err := s.ByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("stored user %s: %v", email, err)
	}
	return u.PasswordHash
}

func (memStore) Ready(context.Context) error { return nil }

func newAttempts(testing.TB) user.Attempts { return &usertest.MemAttempts{} }
