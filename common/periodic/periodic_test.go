package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/periodic"
)

// TestRun: f runs every interval until the context is done, then Run
// returns and f runs no more.
func TestRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		periodic.Run(ctx, time.Millisecond, func(context.Context) {
			if calls.Add(1) == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("f ran %d times, want 3 (it cancelled on the third)", n)
	}
}
