// Package app wires the tickets service together and runs it. It is a
// public package so that several services can run in one process (make
// dev): it keeps no global state.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/config"
	"github.com/gittix/ticketing/tickets/internal/listener"
)

// Run runs the service until ctx is done, then shuts down gracefully: HTTP
// drains, the outbox relay stops, the listeners stop and NATS closes, and
// Mongo disconnects last. It returns an error when the service cannot
// start, or when the NATS connection is lost for good (a service that
// cannot hear events must not keep running).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	client, db, err := mongodb.Connect(ctx, cfg.MongoURI, "tickets")
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := client.Disconnect(dctx); err != nil {
			log.Warn("disconnect mongodb", "err", err)
		}
	}()

	conn, err := bus.Connect(ctx, bus.Config{URL: cfg.NATSURL, ClusterID: cfg.NATSClusterID, ClientID: cfg.NATSClientID}, log)
	if err != nil {
		return err
	}
	defer func() { // listeners finish their in-flight events, then NATS closes
		if err := conn.Close(); err != nil {
			log.Warn("close nats streaming", "err", err)
		}
	}()

	parts := NewParts(db, conn, log, Options{JWTKey: cfg.JWTKey, Checks: map[string]web.Check{
		"mongodb": mongodb.Ping(db),
		"nats":    conn.Ping,
	}})
	relayCtx, stopRelay := context.WithCancel(context.Background())
	relayDone := make(chan struct{})
	go func() {
		defer close(relayDone)
		parts.RunRelay(relayCtx)
	}()
	defer func() { stopRelay(); <-relayDone }() // before NATS closes

	lc := bus.ListenerConfig{QueueGroup: listener.QueueGroup}
	if err := bus.Listen(conn, lc, log, parts.OrderCreated); err != nil {
		return err
	}
	if err := bus.Listen(conn, lc, log, parts.OrderCancelled); err != nil {
		return err
	}

	srv := web.NewServer(net.JoinHostPort(cfg.Host, cfg.Port), parts.API)

	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	served := make(chan error, 1)
	go func() { served <- web.Serve(serveCtx, srv, cfg.ShutdownTimeout) }()
	log.Info("tickets service started", "addr", srv.Addr)

	select {
	case <-ctx.Done():
		stopServing()
		err = <-served
	case err = <-served: // the server could not start
	case lost := <-conn.Lost():
		stopServing()
		<-served
		err = lost
	}
	log.Info("tickets service stopping", "err", err)
	return err
}
