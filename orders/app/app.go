// Package app wires the orders service together. It is public so that
// several services can run in one process (make dev): it keeps no global
// state and reads the environment only through getenv.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/orders/internal/config"
	"github.com/gittix/ticketing/orders/internal/listener"
)

// Run runs the orders service until ctx is done (then it shuts down
// gracefully and returns nil) or it cannot go on: the NATS Streaming
// connection is lost, or the HTTP server fails.
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	client, db, err := mongodb.Connect(ctx, cfg.MongoURI, "orders")
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())

	conn, err := bus.Connect(ctx, bus.Config{URL: cfg.NATSURL, ClusterID: cfg.NATSClusterID, ClientID: cfg.NATSClientID}, log)
	if err != nil {
		return err
	}
	defer conn.Close()

	parts, err := NewParts(ctx, db, conn, log, Options{JWTKey: cfg.JWTKey, Window: cfg.ExpirationWindow, Checks: map[string]web.Check{
		"mongodb": mongodb.Ping(db),
		"nats":    conn.Ping,
	}})
	if err != nil {
		return err
	}

	// On return: stop the relay and the HTTP server, wait for both (the
	// HTTP drain), then the deferred closes above run: listeners and NATS,
	// then MongoDB.
	var wg sync.WaitGroup
	defer wg.Wait()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	wg.Go(func() { parts.RunRelay(runCtx) })

	lc := bus.ListenerConfig{QueueGroup: listener.QueueGroup}
	if err := errors.Join(
		bus.Listen(conn, lc, log, parts.TicketCreated),
		bus.Listen(conn, lc, log, parts.TicketUpdated),
		bus.Listen(conn, lc, log, parts.ExpirationComplete),
		bus.Listen(conn, lc, log, parts.PaymentCreated),
	); err != nil {
		return err
	}

	srv := web.NewServer(cfg.Addr(), parts.API)
	served := make(chan error, 1)
	wg.Go(func() { served <- web.Serve(runCtx, srv, cfg.ShutdownTimeout) })
	log.Info("listening", "addr", cfg.Addr())

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-conn.Lost():
		runErr = err
	case err := <-served:
		runErr = cmp.Or(err, errors.New("http server stopped"))
	}
	stop()
	log.Info("shutting down")
	return runErr
}
