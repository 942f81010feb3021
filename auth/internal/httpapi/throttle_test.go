package httpapi_test

import (
	"fmt"
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
	e, clock := newThrottledEnv(t, &user.Throttle{MaxFailures: 3, Window: 15 * time.Minute}, nil)
	advance := clock.Add
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

// TestSignUpsLimited: past the sign-ups of the minute, of every replica
// together, sign-up answers 429 in the error shape with Retry-After until
// the minute is over; sign-in is not affected.
func TestSignUpsLimited(t *testing.T) {
	t.Parallel()
	e, clock := newThrottledEnv(t, nil, &user.Limit{Key: "signups", Max: 2, Every: time.Minute})
	e.signup(t, "ann@test.com", "password")
	clock.Add(20 * time.Second)
	e.signup(t, "bob@test.com", "password")
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds("carl@test.com", "password"))
	wantErrors(t, rec, http.StatusTooManyRequests, web.FieldError{Message: "Too many sign-ups right now, try again later"})
	if got, want := rec.Header().Get("Retry-After"), "40"; got != want {
		t.Errorf("Retry-After = %q, want %q (the rest of the minute)", got, want)
	}
	wantStatus(t, e.do(t, http.MethodPost, "/api/users/signin", creds("ann@test.com", "password")), http.StatusOK)
	clock.Add(40 * time.Second)
	e.signup(t, "carl@test.com", "password")
}

// TestSignInPasswordSprayed: one password tried against many emails is
// throttled as a password (429), while other passwords still sign in.
func TestSignInPasswordSprayed(t *testing.T) {
	t.Parallel()
	e, _ := newThrottledEnv(t, &user.Throttle{MaxFailures: 10, MaxPasswordFailures: 3, Window: time.Hour,
		Key: []byte("fingerprint-key")}, nil)
	e.signup(t, "ann@test.com", "password")
	for i := range 3 {
		wantErrors(t, e.do(t, http.MethodPost, "/api/users/signin", creds(fmt.Sprintf("victim%d@test.com", i), "Summer2030")),
			http.StatusBadRequest, web.FieldError{Message: "Invalid credentials"})
	}
	rec := e.do(t, http.MethodPost, "/api/users/signin", creds("victim9@test.com", "Summer2030"))
	wantErrors(t, rec, http.StatusTooManyRequests, web.FieldError{Message: "Too many failed sign-in attempts, try again later"})
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	wantStatus(t, e.do(t, http.MethodPost, "/api/users/signin", creds("ann@test.com", "password")), http.StatusOK)
}

// testClock is a settable clock for the throttles.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// newThrottledEnv is an env whose service has throttle and signUps (each
// when not nil) counting in one fresh user.Attempts (MongoDB with the
// integration tag), on a clock the test moves.
func newThrottledEnv(t *testing.T, throttle *user.Throttle, signUps *user.Limit) (*env, *testClock) {
	t.Helper()
	store, attempts := newStore(t), newAttempts(t)
	clock := &testClock{now: time.Now()}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := user.NewService(store, hasher(), log)
	if throttle != nil {
		throttle.Attempts, throttle.Now = attempts, clock.Now
		svc.Throttle = throttle
	}
	if signUps != nil {
		signUps.Attempts, signUps.Now = attempts, clock.Now
		svc.SignUps = signUps
	}
	return &env{h: httpapi.New(log, svc, httpapi.Config{Key: jwtKey, TokenTTL: ttl,
		Ready: map[string]web.Check{"store": store.Ready}}).Routes(), store: store}, clock
}
