package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/app"
)

func TestRunReportsMissingConfig(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := app.Run(context.Background(), log, func(string) string { return "" })
	if err == nil {
		t.Fatal("Run with no environment = nil, want an error")
	}
	for _, name := range []string{"JWT_KEY", "MONGO_URI", "NATS_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
