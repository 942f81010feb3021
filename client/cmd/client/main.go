// Command client serves the GitTix web pages (SPEC §9).
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gittix/ticketing/client/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", "client")
	if err := app.Run(ctx, log, os.Getenv); err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}
