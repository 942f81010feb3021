package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/gittix/ticketing/orders/app"
)

// TestRunConfigErrors: a bad environment stops the service at start,
// naming every bad variable, before it connects to anything.
func TestRunConfigErrors(t *testing.T) {
	t.Parallel()
	env := map[string]string{"JWT_KEY": "short", "MAX_OPEN_ORDERS": "0", "PORT": "http"}
	err := app.Run(context.Background(), slog.New(slog.DiscardHandler), func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("Run = nil, want a config error")
	}
	for _, want := range []string{"JWT_KEY must be at least 32 bytes", "MONGO_URI", "NATS_URL", "MAX_OPEN_ORDERS", "PORT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Run = %q, want it to name %s", err, want)
		}
	}
}

// TestQueueGroup: the durable name must never change (a new one replays
// every channel).
func TestQueueGroup(t *testing.T) {
	t.Parallel()
	if app.QueueGroup != "orders-service" {
		t.Errorf("QueueGroup = %q, want orders-service", app.QueueGroup)
	}
}
