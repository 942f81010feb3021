package app_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/gittix/ticketing/tickets/app"
)

// TestRunConfigErrors checks that a missing variable stops the service at
// start, naming it.
func TestRunConfigErrors(t *testing.T) {
	t.Parallel()
	err := app.Run(t.Context(), slog.New(slog.DiscardHandler), func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "MONGO_URI") || !strings.Contains(err.Error(), "JWT_KEY") {
		t.Fatalf("Run with no environment = %v, want an error naming the missing variables", err)
	}
}
