package user_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/auth/internal/user/usertest"
)

// clock is a settable time for the throttle.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func throttled(t *testing.T, max int64, window time.Duration) (*user.Service, *fakeHasher, *clock) {
	t.Helper()
	store, h := usertest.NewMemStore(), &fakeHasher{prefix: "v2$"}
	svc, _ := newService(store, h)
	c := &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	svc.Throttle = &user.Throttle{Attempts: &usertest.MemAttempts{}, MaxFailures: max, Window: window, Now: c.Now}
	for _, email := range []string{"ann@example.com", "bob@example.com"} {
		if _, err := svc.SignUp(context.Background(), email, "pass1"); err != nil {
			t.Fatal(err)
		}
	}
	return svc, h, c
}

func TestThrottleAfterMaxFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, h, c := throttled(t, 3, 15*time.Minute)
	for i := range 3 {
		if _, err := svc.SignIn(ctx, "ann@example.com", "wrong"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("failure %d: err = %v, want ErrInvalidCredentials", i+1, err)
		}
		c.Add(time.Minute)
	}
	verifies := h.verifies

	// The 4th attempt is refused, right password or not, without a check;
	// the email counts normalised.
	for _, pw := range []string{"wrong", "pass1"} {
		_, err := svc.SignIn(ctx, " ANN@example.com", pw)
		var te *user.ThrottledError
		if !errors.As(err, &te) || !errors.Is(err, user.ErrThrottled) {
			t.Fatalf("SignIn(%q) after 3 failures: err = %v, want a ThrottledError", pw, err)
		}
		if want := 12 * time.Minute; te.RetryAfter != want {
			t.Errorf("RetryAfter = %v, want %v (the window's end)", te.RetryAfter, want)
		}
	}
	if h.verifies != verifies || h.dum != 0 {
		t.Errorf("a refused attempt checked a password (%d verifies, %d dummy)", h.verifies-verifies, h.dum)
	}

	// Another email is not affected.
	if _, err := svc.SignIn(ctx, "bob@example.com", "pass1"); err != nil {
		t.Errorf("other email: %v", err)
	}
	// Refused attempts did not extend the window: once it has passed, the
	// right password works again.
	c.Add(12*time.Minute - time.Second)
	if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("a second before the window's end: err = %v, want ErrThrottled", err)
	}
	c.Add(time.Second)
	if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); err != nil {
		t.Errorf("after the window: %v", err)
	}
}

func TestThrottleCountsOnlyFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := throttled(t, 3, time.Hour)
	// Successes are taken back: any number of them is fine.
	for range 10 {
		if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); err != nil {
			t.Fatal(err)
		}
	}
	// Unknown emails count like wrong passwords (nothing tells them apart).
	for range 3 {
		if _, err := svc.SignIn(ctx, "nobody@example.com", "pass1"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("err = %v, want ErrInvalidCredentials", err)
		}
	}
	if _, err := svc.SignIn(ctx, "nobody@example.com", "pass1"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("4th attempt for an unknown email: err = %v, want ErrThrottled", err)
	}
}

// Concurrent guesses cannot pass the limit while their hashes are computed:
// every attempt is counted before its check.
func TestThrottleConcurrentGuesses(t *testing.T) {
	t.Parallel()
	svc, _, _ := throttled(t, 5, time.Hour)
	var (
		wg                  sync.WaitGroup
		mu                  sync.Mutex
		invalid, throttledN int
	)
	for range 50 {
		wg.Go(func() {
			_, err := svc.SignIn(context.Background(), "ann@example.com", "wrong")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, user.ErrInvalidCredentials):
				invalid++
			case errors.Is(err, user.ErrThrottled):
				throttledN++
			default:
				t.Errorf("err = %v", err)
			}
		})
	}
	wg.Wait()
	if invalid != 5 || throttledN != 45 {
		t.Errorf("checked %d guesses and refused %d; want 5 and 45", invalid, throttledN)
	}
}

func TestThrottleStoreFailure(t *testing.T) {
	t.Parallel()
	svc, _, _ := throttled(t, 3, time.Hour)
	boom := errors.New("connection refused")
	svc.Throttle.Attempts = &usertest.MemAttempts{Err: boom}
	if _, err := svc.SignIn(context.Background(), "ann@example.com", "pass1"); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the counter's error", err)
	}
}
