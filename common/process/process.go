// Package process is the main of every GitTix binary: signals, the JSON
// logger and the exit status, in one place.
package process

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Run is a service's whole life: it runs until ctx is done (SIGINT or
// SIGTERM), reading its settings with getenv.
type Run func(ctx context.Context, log *slog.Logger, getenv func(string) string) error

// Main runs run with a JSON logger to stdout tagged with the service's
// name, until SIGINT or SIGTERM; it exits with status 1 when run fails.
func Main(service string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", service)
	err := run(ctx, log, os.Getenv)
	stop()
	if err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}
