package testenv

import (
	"context"
	"testing"
)

// Background runs run (an outbox relay's Run, say) in a goroutine until
// the end of the test: its cleanup cancels run's context and waits for it
// to return. Cleanups run last-registered first, so run stops before what
// was set up before Background (the bus connection it publishes on) is
// closed. What run returns is not looked at.
func Background(t testing.TB, run func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
