// Package process is the main of every GitTix binary: signals, the JSON
// logger and the exit status, in one place.
package process

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gittix/ticketing/common/telemetry"
)

// Run is a service's whole life: it runs until ctx is done (SIGINT or
// SIGTERM), reading its settings with getenv.
type Run func(ctx context.Context, log *slog.Logger, getenv func(string) string) error

// Main runs run with a JSON logger to stdout tagged with the service's
// name (and, in a trace, trace_id and span_id), until SIGINT or SIGTERM; it
// exits with status 1 when run fails. Traces are exported over OTLP when
// OTEL_EXPORTER_OTLP_ENDPOINT is set (telemetry.Setup).
func Main(service string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(os.Stdout, nil))).With("service", service)
	shutdown, err := telemetry.Setup(ctx, service, os.Getenv)
	if err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
	err = run(ctx, log, os.Getenv)
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if serr := shutdown(sctx); serr != nil {
		log.Warn("flush traces", "err", serr)
	}
	cancel()
	if err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}
