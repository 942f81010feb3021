// Command notifications runs the notifications service.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gittix/ticketing/notifications/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", "notifications")
	if err := app.Run(ctx, log, os.Getenv); err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}
