package user

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Attempts counts attempts per key (a normalised email, a password's
// fingerprint, the sign-ups of a minute) over a window of time. It lives
// in the store, so every replica of the service counts together.
type Attempts interface {
	// Begin counts one attempt for key at now, in the current window: the
	// one that began with the first attempt counted, or, once window has
	// passed since then, a new one beginning now. Concurrent attempts get
	// distinct counts.
	Begin(ctx context.Context, key string, now time.Time, window time.Duration) (Window, error)
	// Forget takes back one attempt of the window that began at start: the
	// attempt did not fail, or was refused unchecked.
	Forget(ctx context.Context, key string, start time.Time) error
	// Reset forgets every attempt for key and its delay: whoever made
	// the attempt proved they know the password.
	Reset(ctx context.Context, key string) error
	// Delay makes the next attempt for key wait until until, if the key's
	// Next is still prev (a compare-and-set: of concurrent attempts that
	// read the same Next, one wins). It reports whether it did.
	Delay(ctx context.Context, key string, prev, until time.Time) (bool, error)
}

// Window is the count of a key's attempts in its current window.
type Window struct {
	Count int64     // this attempt included
	Start time.Time // when the window began
	Next  time.Time // no attempt before it (zero: none set)
}

// Throttle limits password guessing, per email and per password, without
// letting anyone lock a user out for good. After MaxFailures failed
// sign-ins for an email within Window (counted from the first of them),
// every attempt must wait a delay that doubles with each further failure —
// 1 s, 2 s, 4 s … up to MaxDelay — and one made sooner is refused with a
// *ThrottledError (and not counted). Whoever knows the
// password therefore always gets in within MaxDelay, while a guesser gets
// a handful of guesses an hour; a sign-in with the right password starts
// the email's count over. The same rule, with MaxPasswordFailures,
// counts one password tried across many emails (password spraying), by a
// keyed fingerprint of it; the password is never stored.
//
// Every attempt is counted before its password is checked and taken back
// if it did not fail, so concurrent guesses cannot slip past the limit
// while their hashes are computed.
type Throttle struct {
	Attempts            Attempts
	MaxFailures         int64            // per email; default 10
	MaxPasswordFailures int64            // per password, across emails; default 20
	Window              time.Duration    // default 15 minutes
	MaxDelay            time.Duration    // default 15 minutes
	Key                 []byte           // keys the passwords' fingerprints; nil: none are counted
	Now                 func() time.Time // default time.Now
}

// Defaults of Throttle.
const (
	DefaultMaxFailures         = 10
	DefaultMaxPasswordFailures = 20
	DefaultWindow              = 15 * time.Minute
	DefaultMaxDelay            = 15 * time.Minute
)

// ErrThrottled is matched (errors.Is) by every *ThrottledError.
var ErrThrottled = errors.New("too many failed sign-in attempts")

// ThrottledError refuses an attempt made too soon.
type ThrottledError struct {
	RetryAfter time.Duration // until the next attempt may be made
	Limit      string        // the Limit's key that refused it; "": the sign-in throttle
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%v: retry after %v", ErrThrottled, e.RetryAfter)
}

// Is reports whether target is ErrThrottled.
func (e *ThrottledError) Is(target error) bool { return target == ErrThrottled }

// attempt is one counted sign-in attempt; its zero value counts nothing.
type attempt struct {
	t       *Throttle
	counted []counted
}

type counted struct {
	key   string
	start time.Time
	email bool // the email's count, not the password's
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// begin counts an attempt for email with password, or refuses it.
func (t *Throttle) begin(ctx context.Context, email, password string) (attempt, error) {
	if t == nil || t.Attempts == nil {
		return attempt{}, nil
	}
	a := attempt{t: t}
	if err := a.count(ctx, email, true, t.MaxFailures, DefaultMaxFailures); err != nil {
		return attempt{}, err
	}
	if t.Key != nil {
		if err := a.count(ctx, t.fingerprint(password), false, t.MaxPasswordFailures, DefaultMaxPasswordFailures); err != nil {
			return attempt{}, errors.Join(err, a.forget(context.WithoutCancel(ctx)))
		}
	}
	return a, nil
}

// count counts the attempt under key, refusing it (uncounted) when it
// comes before the key's delay has passed, and setting the delay of the
// next one once the key is past its free failures.
func (a *attempt) count(ctx context.Context, key string, email bool, maxFailures, def int64) error {
	t := a.t
	now := t.now()
	w, err := t.Attempts.Begin(ctx, key, now, cmp.Or(t.Window, DefaultWindow))
	if err != nil {
		return fmt.Errorf("count sign-in attempt: %w", err)
	}
	if now.Before(w.Next) {
		return errors.Join(&ThrottledError{RetryAfter: w.Next.Sub(now)}, t.Attempts.Forget(ctx, key, w.Start))
	}
	if over := w.Count - cmp.Or(maxFailures, def); over >= 0 {
		// From the last free failure on, one attempt at a time may go,
		// and it sets the wait of the next: 1 s, 2 s, 4 s …
		delay := cmp.Or(t.MaxDelay, DefaultMaxDelay)
		if over < 31 {
			delay = min(time.Second<<over, delay)
		}
		won, err := t.Attempts.Delay(ctx, key, w.Next, now.Add(delay))
		if err != nil || !won {
			return errors.Join(err, &ThrottledError{RetryAfter: time.Second}, t.Attempts.Forget(ctx, key, w.Start))
		}
	}
	a.counted = append(a.counted, counted{key, w.Start, email})
	return nil
}

// forget takes the attempt back: it did not fail.
func (a attempt) forget(ctx context.Context) error {
	var errs []error
	for _, c := range a.counted {
		errs = append(errs, a.t.Attempts.Forget(ctx, c.key, c.start))
	}
	return errors.Join(errs...)
}

// succeed ends an attempt that signed in: the email's count starts over,
// with no delay left. The password's attempt is only taken back: clearing
// its count would let a sprayer start over by signing in to an account of
// their own with the password they spray.
func (a attempt) succeed(ctx context.Context) error {
	var errs []error
	for _, c := range a.counted {
		if c.email {
			errs = append(errs, a.t.Attempts.Reset(ctx, c.key))
		} else {
			errs = append(errs, a.t.Attempts.Forget(ctx, c.key, c.start))
		}
	}
	return errors.Join(errs...)
}

// fingerprint is the key a password is counted under: an HMAC, so the
// store never holds anything from which the password could be found
// without the service's key.
func (t *Throttle) fingerprint(password string) string {
	m := hmac.New(sha256.New, t.Key)
	m.Write([]byte(NormalizePassword(password)))
	return "password:" + hex.EncodeToString(m.Sum(nil))
}

// Limit bounds how often something happens across every replica: at most
// Max times per Every (sign-ups, for one).
type Limit struct {
	Attempts Attempts
	Key      string
	Max      int64
	Every    time.Duration
	Now      func() time.Time // default time.Now
}

// Take counts one occurrence, or refuses it with a *ThrottledError until
// the current period ends.
func (l *Limit) Take(ctx context.Context) error {
	if l == nil || l.Attempts == nil {
		return nil
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	w, err := l.Attempts.Begin(ctx, l.Key, now, l.Every)
	if err != nil {
		return fmt.Errorf("count %s: %w", l.Key, err)
	}
	if w.Count > l.Max {
		return &ThrottledError{RetryAfter: w.Start.Add(l.Every).Sub(now), Limit: l.Key}
	}
	return nil
}
