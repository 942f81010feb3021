package user

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Attempts counts sign-in attempts per email over a window of time. It
// lives in the store, so every replica of the service counts together.
type Attempts interface {
	// Begin counts one attempt for a normalised email at now, in the
	// current window: the one that began with the first attempt counted,
	// or, once window has passed since then, a new one beginning now. It
	// returns the count in the window, this attempt included, and when the
	// window began. Concurrent attempts get distinct counts.
	Begin(ctx context.Context, email string, now time.Time, window time.Duration) (count int64, start time.Time, err error)
	// Forget takes back one attempt of the window that began at start: the
	// attempt did not fail.
	Forget(ctx context.Context, email string, start time.Time) error
}

// Throttle limits password guessing: once MaxFailures sign-ins for one
// email failed within Window (counted from the first of them), further
// attempts for that email are refused with a *ThrottledError, whatever the
// password, until the window has passed. Other emails are not affected.
//
// Every attempt is counted before its password is checked and taken back
// if it did not fail, so concurrent guesses cannot slip past the limit
// while their hashes are computed.
type Throttle struct {
	Attempts    Attempts
	MaxFailures int64            // default 10
	Window      time.Duration    // default 15 minutes
	Now         func() time.Time // default time.Now
}

// Defaults of Throttle.
const (
	DefaultMaxFailures = 10
	DefaultWindow      = 15 * time.Minute
)

// ErrThrottled is matched (errors.Is) by every *ThrottledError.
var ErrThrottled = errors.New("too many failed sign-in attempts")

// ThrottledError refuses a sign-in attempt of a throttled email.
type ThrottledError struct {
	RetryAfter time.Duration // until the window has passed
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %v", ErrThrottled, e.RetryAfter)
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// attempt is one counted sign-in attempt; its zero value counts nothing.
type attempt struct {
	t     *Throttle
	email string
	start time.Time
}

// begin counts an attempt for email, or refuses it.
func (t *Throttle) begin(ctx context.Context, email string) (attempt, error) {
	if t == nil || t.Attempts == nil {
		return attempt{}, nil
	}
	now := time.Now()
	if t.Now != nil {
		now = t.Now()
	}
	maxFailures, window := t.MaxFailures, t.Window
	if maxFailures <= 0 {
		maxFailures = DefaultMaxFailures
	}
	if window <= 0 {
		window = DefaultWindow
	}
	count, start, err := t.Attempts.Begin(ctx, email, now, window)
	if err != nil {
		return attempt{}, fmt.Errorf("count sign-in attempt: %w", err)
	}
	if count > maxFailures {
		return attempt{}, &ThrottledError{RetryAfter: start.Add(window).Sub(now)}
	}
	return attempt{t: t, email: email, start: start}, nil
}

// forget takes the attempt back: it did not fail.
func (a attempt) forget(ctx context.Context) error {
	if a.t == nil {
		return nil
	}
	return a.t.Attempts.Forget(ctx, a.email, a.start)
}
