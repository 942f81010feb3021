// Package devapptest runs the whole app in a test, as `make dev` does, for
// the end-to-end and fault tests.
package devapptest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/devapp"
)

// stopLimit bounds how long the app may take to stop once the test ends.
const stopLimit = 30 * time.Second

// Start runs devapp.Run with cfg, logging to log, until the test ends, and
// returns the gateway's URL. It fails the test when the app does not start
// within limit, or when Run, once stopped, does not return nil within 30 s;
// logs, what log writes to, is shown when the test failed.
func Start(t testing.TB, cfg devapp.Config, log *slog.Logger, logs *testenv.LogBuffer, limit time.Duration) string {
	t.Helper()
	ready := make(chan string, 1)
	app := testenv.Go(func(ctx context.Context) error {
		return devapp.Run(ctx, cfg, log, func(url string) { ready <- url })
	})
	t.Cleanup(func() {
		app.Stop(t, stopLimit)
		if t.Failed() {
			t.Logf("app logs:\n%s", logs.String())
		}
	})
	select {
	case url := <-ready:
		return url
	case <-app.Done():
		t.Fatalf("app did not start: %v\n%s", app.Err(), logs.String())
	case <-time.After(limit):
		t.Fatalf("app not ready after %s\n%s", limit, logs.String())
	}
	return ""
}
