// Package app wires the payments service: the order replica fed by
// orders' events, POST /api/payments charging with Stripe, and the outbox
// relay publishing payment:created.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/payments/internal/config"
)

// Run runs the service until ctx is done (then shuts down gracefully) or
// the connection to NATS Streaming is lost (then returns an error).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	client, db, err := mongodb.Connect(ctx, cfg.MongoURI, "payments")
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())

	conn, err := bus.Connect(ctx, bus.Config{URL: cfg.NATSURL, ClusterID: cfg.NATSClusterID, ClientID: cfg.NATSClientID}, log)
	if err != nil {
		return err
	}
	defer conn.Close() // stops the listeners (in-flight events finish), then NATS

	parts, err := NewParts(ctx, db, conn, log, Options{
		JWTKey:        cfg.JWTKey,
		StripeKey:     cfg.StripeKey,
		StripeAPIBase: cfg.StripeAPIBase,
		Checks: map[string]web.Check{
			"mongodb": mongodb.Ping(db),
			"nats":    conn.Ping,
		},
	})
	if err != nil {
		return err
	}

	relayCtx, stopRelay := context.WithCancel(context.Background())
	relayDone := make(chan struct{})
	go func() { parts.RunRelay(relayCtx); close(relayDone) }()
	defer func() { stopRelay(); <-relayDone }() // before the connection closes

	lc := bus.ListenerConfig{QueueGroup: "payments-service"}
	if err := bus.Listen(conn, lc, log, parts.OrderCreated); err != nil {
		return err
	}
	if err := bus.Listen(conn, lc, log, parts.OrderCancelled); err != nil {
		return err
	}

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- web.Serve(sctx, web.NewServer(cfg.Addr(), parts.API), cfg.ShutdownTimeout) }()
	log.Info("payments service started", "addr", cfg.Addr())

	var lost error
	select {
	case <-ctx.Done():
	case lost = <-conn.Lost():
	case err := <-served:
		return err // the server could not start
	}
	log.Info("payments service stopping")
	stop()
	return errors.Join(lost, <-served)
}
