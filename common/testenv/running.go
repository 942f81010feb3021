package testenv

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Running is a function a test runs in the background until it cancels
// it: a service's Run, say.
type Running struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	stop   sync.Once
}

// Go runs run in a goroutine, with a context that Cancel (or Stop)
// cancels.
func Go(run func(ctx context.Context) error) *Running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Running{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = run(ctx)
	}()
	return r
}

// Done is closed once run has returned.
func (r *Running) Done() <-chan struct{} { return r.done }

// Err waits for run to return and returns what it returned.
func (r *Running) Err() error {
	<-r.done
	return r.err
}

// Cancel cancels run's context without waiting for it.
func (r *Running) Cancel() { r.cancel() }

// Wait fails t unless run returns nil within limit.
func (r *Running) Wait(t testing.TB, limit time.Duration) {
	t.Helper()
	select {
	case <-r.done:
		if r.err != nil {
			t.Errorf("Run = %v, want nil after cancel", r.err)
		}
	case <-time.After(limit):
		t.Errorf("Run did not return within %s of cancel", limit)
	}
}

// Stop cancels run and waits for it as Wait does; later calls do nothing.
func (r *Running) Stop(t testing.TB, limit time.Duration) {
	t.Helper()
	r.stop.Do(func() {
		r.Cancel()
		r.Wait(t, limit)
	})
}
