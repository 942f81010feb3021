// Command auth is the auth service: sign up, sign in, sign out, current user.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/gittix/ticketing/auth/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("service", "auth")
	if err := app.Run(ctx, log, os.Getenv); err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}
