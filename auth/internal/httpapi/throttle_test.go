package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/auth/internal/httpapi"
	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/web"
)

// TestSignInThrottled: after MaxFailures failed sign-ins for one email, the
// next attempts for it get 429 in the error shape — right password or not —
// until the window has passed; other emails sign in as usual.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	store := newStore(t)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := user.NewService(store, hasher(), log)
	svc.Throttle = &user.Throttle{Attempts: newAttempts(t), MaxFailures: 3, Window: 15 * time.Minute, Now: clock}
	e := &env{h: httpapi.New(log, svc, httpapi.Config{Key: jwtKey, TokenTTL: ttl,
		Ready: map[string]web.Check{"store": store.Ready}}).Routes(), store: store}
	e.signup(t, "ann@test.com", "password")
	e.signup(t, "bob@test.com", "password")

	for range 3 {
		wantErrors(t, e.do(t, http.MethodPost, "/api/users/signin", creds("ann@test.com", "wrong-one")),
			http.StatusBadRequest, web.FieldError{Message: "Invalid credentials"})
	}
	throttled := web.FieldError{Message: "Too many failed sign-in attempts, try again later"}
	for _, body := range []string{creds("ann@test.com", "password"), creds(" ANN@Test.com ", "wrong-one")} {
		rec := e.do(t, http.MethodPost, "/api/users/signin", body)
		wantErrors(t, rec, http.StatusTooManyRequests, throttled)
		if got, want := rec.Header().Get("Retry-After"), "1"; got != want {
			t.Errorf("Retry-After = %q, want %q (seconds until the next attempt may be made)", got, want)
		}
		if sc := rec.Header().Values("Set-Cookie"); len(sc) != 0 {
			t.Errorf("a throttled attempt set %q", sc)
		}
	}
	// Another email is not affected; sign-up is not throttled.
	wantStatus(t, e.do(t, http.MethodPost, "/api/users/signin", creds("bob@test.com", "password")), http.StatusOK)
	e.signup(t, "carl@test.com", "password")

	// Progressive, not a lock: once the wait has passed, the right
	// password signs in.
	advance(time.Second)
	rec := e.do(t, http.MethodPost, "/api/users/signin", creds("ann@test.com", "password"))
	wantStatus(t, rec, http.StatusOK)
	sessionCookie(t, rec)
}
