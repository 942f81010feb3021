package user_test

import (
	"context"
	"errors"
	"fmt"
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
	}
	verifies := h.verifies

	// At once, the 4th attempt is refused, right password or not, without
	// a check and without being counted; the email counts normalised.
	for _, pw := range []string{"wrong", "pass1"} {
		_, err := svc.SignIn(ctx, " ANN@example.com", pw)
		var te *user.ThrottledError
		if !errors.As(err, &te) || !errors.Is(err, user.ErrThrottled) {
			t.Fatalf("SignIn(%q) after 3 failures: err = %v, want a ThrottledError", pw, err)
		}
		if want := time.Second; te.RetryAfter != want {
			t.Errorf("RetryAfter = %v, want %v", te.RetryAfter, want)
		}
	}
	if h.verifies != verifies || h.dum != 0 {
		t.Errorf("a refused attempt checked a password (%d verifies, %d dummy)", h.verifies-verifies, h.dum)
	}
	// Another email is not affected.
	if _, err := svc.SignIn(ctx, "bob@example.com", "pass1"); err != nil {
		t.Errorf("other email: %v", err)
	}

	// Each further failure doubles the wait: 1 s, 2 s, 4 s …
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		c.Add(wait - time.Millisecond)
		if _, err := svc.SignIn(ctx, "ann@example.com", "wrong"); !errors.Is(err, user.ErrThrottled) {
			t.Fatalf("a moment before the %v wait ends: err = %v, want ErrThrottled", wait, err)
		}
		c.Add(time.Millisecond)
		if _, err := svc.SignIn(ctx, "ann@example.com", "wrong"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("after the %v wait: err = %v, want the guess checked", wait, err)
		}
	}
	// The owner is never locked out for good: after the current wait the
	// right password works, whatever was guessed before.
	c.Add(16 * time.Second)
	if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); err != nil {
		t.Errorf("after the wait, the right password: %v", err)
	}
}

// TestThrottleSuccessStartsOver: the right password, once the wait has
// passed, signs in and starts the email's count over — no wait left, and
// the free failures again — while a password's count across emails is
// only taken back, so a sprayer cannot clear it through an account of
// their own.
func TestThrottleSuccessStartsOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, c := throttled(t, 3, time.Hour)
	svc.Throttle.Key, svc.Throttle.MaxPasswordFailures = []byte("fingerprint-key"), 3
	for range 5 { // 3 free failures, then two after their waits
		if _, err := svc.SignIn(ctx, "ann@example.com", "wrong"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("guess: %v", err)
		}
		c.Add(time.Minute)
	}
	if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); err != nil {
		t.Fatalf("after the wait, the right password: %v", err)
	}
	for i := range 3 { // a typo right after: checked at once, 3 free again
		if _, err := svc.SignIn(ctx, "ann@example.com", "typo"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("failure %d after signing in: err = %v, want the guess checked", i+1, err)
		}
	}
	if _, err := svc.SignIn(ctx, "ann@example.com", "typo"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("4th failure after signing in: err = %v, want ErrThrottled", err)
	}

	// "wrong" failed 5 times: over its limit of 3 across emails, so each
	// use of it sets a wait for the next; signing in with it to an account
	// of one's own does not clear that.
	if _, err := svc.SignUp(ctx, "sprayer@example.com", "wrong"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignIn(ctx, "sprayer@example.com", "wrong"); err != nil {
		t.Fatalf("the sprayer's own account: %v", err)
	}
	if _, err := svc.SignIn(ctx, "victim@example.com", "wrong"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("spraying right after signing in with the password: err = %v, want ErrThrottled", err)
	}
}

// TestThrottleDelayIsCapped: however many guesses, the wait never exceeds
// MaxDelay, so the owner gets in within it.
func TestThrottleDelayIsCapped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, c := throttled(t, 1, time.Hour)
	svc.Throttle.MaxDelay = time.Minute
	for range 20 { // a guess every time one is allowed
		if _, err := svc.SignIn(ctx, "ann@example.com", "wrong"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("guess: %v", err)
		}
		c.Add(time.Minute)
	}
	if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); err != nil {
		t.Errorf("a minute after the 20th guess, the right password: %v", err)
	}
}

// TestThrottlePasswordSpraying: one password tried against many emails is
// throttled as a password, whoever the emails belong to; another password
// is not.
func TestThrottlePasswordSpraying(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := throttled(t, 10, time.Hour)
	svc.Throttle.Key, svc.Throttle.MaxPasswordFailures = []byte("fingerprint-key"), 5
	for i := range 5 {
		email := fmt.Sprintf("victim%d@example.com", i)
		if _, err := svc.SignIn(ctx, email, "Summer2030"); !errors.Is(err, user.ErrInvalidCredentials) {
			t.Fatalf("spray %d: %v", i, err)
		}
	}
	if _, err := svc.SignIn(ctx, "victim9@example.com", "Summer2030"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("6th email with the same password: err = %v, want ErrThrottled", err)
	}
	if _, err := svc.SignIn(ctx, "ann@example.com", "pass1"); err != nil {
		t.Errorf("another password: %v", err)
	}
}

// TestSignUpLimit: sign-ups past the limit of the minute are refused until
// the minute is over.
func TestSignUpLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, c := throttled(t, 10, time.Hour)
	svc.SignUps = &user.Limit{Attempts: &usertest.MemAttempts{}, Key: "signups", Max: 2, Every: time.Minute, Now: c.Now}
	for i := range 2 {
		if _, err := svc.SignUp(ctx, fmt.Sprintf("new%d@example.com", i), "pass1"); err != nil {
			t.Fatalf("sign-up %d: %v", i, err)
		}
	}
	_, err := svc.SignUp(ctx, "new9@example.com", "pass1")
	var te *user.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != time.Minute || te.Limit != "signups" {
		t.Fatalf("3rd sign-up of the minute: err = %v, want a ThrottledError of 1m", err)
	}
	c.Add(time.Minute)
	if _, err := svc.SignUp(ctx, "new9@example.com", "pass1"); err != nil {
		t.Errorf("the next minute: %v", err)
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
