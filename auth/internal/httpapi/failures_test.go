package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/internal/httpapi"
	"github.com/gittix/ticketing/auth/internal/user/usertest"
	"github.com/gittix/ticketing/common/web"
)

// failingStore fails every call with err.
type failingStore struct{ *usertest.MemStore }

func newFailingStore(err error) failingStore {
	s := usertest.NewMemStore()
	s.Err = err
	return failingStore{s}
}

func (failingStore) StoredHash(t testing.TB, _ string) string { t.Fatal("no stored hash"); return "" }

func (s failingStore) Ready(context.Context) error { return s.Err }

func TestStoreFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		want    int
		message string
		logged  bool
	}{
		// common/web writes a 503 without logging it (see the report).
		{"unreachable", fmt.Errorf("find user: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "Service unavailable, try again", false},
		{"fault", errors.New("disk on fire"), http.StatusInternalServerError, "Something went wrong", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnvWith(t, newFailingStore(tt.err), httpapi.Config{})
			for _, path := range []string{"/api/users/signup", "/api/users/signin"} {
				rec := e.do(t, http.MethodPost, path, creds("test@test.com", "password"))
				wantErrors(t, rec, tt.want, web.FieldError{Message: tt.message})
			}
			// The details are in the log only.
			if body := e.logs.String(); tt.logged && !strings.Contains(body, tt.err.Error()) {
				t.Errorf("log does not mention %q:\n%s", tt.err, body)
			}
		})
	}
}

func TestReadyzFailsWhenStoreIsDown(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, newFailingStore(errors.New("connection refused")), httpapi.Config{})
	wantErrors(t, e.do(t, http.MethodGet, "/readyz", ""), http.StatusServiceUnavailable,
		web.FieldError{Message: "store is not ready"})
	wantStatus(t, e.do(t, http.MethodGet, "/healthz", ""), http.StatusOK)
}
