package devapp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

var fastBackoff = backoff{first: 10 * time.Millisecond, max: 40 * time.Millisecond, healthy: time.Hour}

// script is a part's run func whose runs end as its results say, in turn;
// after the last one it runs until its context is done.
type script struct {
	mu      sync.Mutex
	results []error
	runs    int
	at      []time.Time
}

func (s *script) run(ctx context.Context) error {
	s.mu.Lock()
	s.runs++
	s.at = append(s.at, time.Now())
	var res error
	last := s.runs > len(s.results)
	if !last {
		res = s.results[s.runs-1]
	}
	s.mu.Unlock()
	if last {
		<-ctx.Done()
		return nil
	}
	return res
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs
}

func TestSuperviseRestartsAPartThatExits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		results []error
		logged  []string
	}{
		{name: "fails once", results: []error{errors.New("nats streaming connection lost")},
			logged: []string{"nats streaming connection lost"}},
		{name: "fails three times in a row", results: []error{errors.New("e1"), errors.New("e2"), errors.New("e3")},
			logged: []string{"e1", "e2", "e3"}},
		{name: "returns without error", results: []error{nil}, logged: []string{"stopped"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs testenv.LogBuffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			up := make(chan struct{})
			close(up) // the app is up
			s := &script{results: tc.results}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				supervise(ctx, s.run, up, func(err error) { t.Errorf("fail(%v) called after the app was up", err) }, log, fastBackoff)
			}()
			want := len(tc.results) + 1
			poll.Until(t, 10*time.Second, fmt.Sprintf("%d runs", want), func() (bool, string) {
				return s.count() >= want, fmt.Sprintf("runs = %d", s.count())
			})
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("supervise did not return after ctx was done")
			}
			if got := s.count(); got != want {
				t.Errorf("runs = %d, want %d", got, want)
			}
			out := logs.String()
			if got := strings.Count(out, "part exited; restarting"); got != len(tc.logged) {
				t.Errorf("restart log lines = %d, want %d:\n%s", got, len(tc.logged), out)
			}
			for _, l := range tc.logged {
				if !strings.Contains(out, l) {
					t.Errorf("log does not name the reason %q:\n%s", l, out)
				}
			}
			// The delay doubles between failures in a row: 10, 20, 40 ms.
			for i := 1; i < len(s.at); i++ {
				wantMin := min(fastBackoff.first<<(i-1), fastBackoff.max)
				if gap := s.at[i].Sub(s.at[i-1]); gap < wantMin {
					t.Errorf("run %d started %s after run %d, want at least %s", i+1, gap, i, wantMin)
				}
			}
		})
	}
}

func TestSuperviseFailsAtStartUp(t *testing.T) {
	t.Parallel()
	up := make(chan struct{}) // never closed: the app is starting
	s := &script{results: []error{errors.New("config: JWT_KEY must be set")}}
	var failed error
	supervise(context.Background(), s.run, up, func(err error) { failed = err }, slog.New(slog.DiscardHandler), fastBackoff)
	if failed == nil || !strings.Contains(failed.Error(), "JWT_KEY") {
		t.Errorf("fail called with %v, want the part's error", failed)
	}
	if got := s.count(); got != 1 {
		t.Errorf("runs = %d, want 1 (no restart while the app starts)", got)
	}
}

func TestSuperviseStopsWithContext(t *testing.T) {
	t.Parallel()
	up := make(chan struct{})
	close(up)
	ctx, cancel := context.WithCancel(context.Background())
	// The part fails because the app is stopping: no restart, no failure.
	run := func(context.Context) error { cancel(); return errors.New("shutting down") }
	supervise(ctx, run, up, func(err error) { t.Errorf("fail(%v) called on shutdown", err) }, slog.New(slog.DiscardHandler), fastBackoff)
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := backoff{first: time.Second, max: 30 * time.Second, healthy: time.Minute}
	for _, tc := range []struct {
		prev, ran, want time.Duration
	}{
		{prev: 0, ran: time.Millisecond, want: time.Second},                // first restart
		{prev: time.Second, ran: time.Second, want: 2 * time.Second},       // failing again soon: doubles
		{prev: 16 * time.Second, ran: time.Second, want: 30 * time.Second}, // capped
		{prev: 30 * time.Second, ran: time.Second, want: 30 * time.Second}, // stays capped
		{prev: 30 * time.Second, ran: 2 * time.Minute, want: time.Second},  // after a healthy run: back to first
		{prev: 8 * time.Second, ran: time.Minute, want: time.Second},       // healthy exactly
	} {
		if got := b.after(tc.prev, tc.ran); got != tc.want {
			t.Errorf("after(prev %s, ran %s) = %s, want %s", tc.prev, tc.ran, got, tc.want)
		}
	}
}
