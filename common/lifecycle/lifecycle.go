// Package lifecycle runs a service: its HTTP server, its background workers
// (the outbox relay, a job server), its event listeners, and the stores
// behind them, and shuts them down in one order, the same in every service.
package lifecycle

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/telemetry"
	"github.com/gittix/ticketing/common/web"
)

// Service is what Run runs. Every field but Addr and Handler is optional.
type Service struct {
	// Name names the service in its traces and metrics: with it, every
	// request is traced and measured and GET /metrics answers
	// (telemetry.HTTP).
	Name    string
	Addr    string       // where the HTTP server listens
	Handler http.Handler // the API, or only the probes
	// DrainTimeout bounds the wait for in-flight requests at shutdown
	// (default 10 s).
	DrainTimeout time.Duration

	// Workers run until their context is cancelled, after the HTTP server
	// has drained: the requests they serve may still hand them work (an
	// outbox relay publishes what the last requests wrote). A worker that
	// returns an error before then stops the service.
	Workers []func(ctx context.Context) error

	// Bus, when set, is watched (its loss stops the service: a process
	// that cannot hear events must not run deaf) and closed after the
	// workers stopped; closing it stops the listeners once their in-flight
	// events are done.
	Bus *bus.Conn
	// Listeners are subscribed on Bus under Listen's queue group before the
	// HTTP server starts.
	Listen    bus.ListenerConfig
	Listeners []bus.Subscription

	// Close runs last, in order, each with CloseTimeout (default 5 s):
	// disconnecting MongoDB, closing Redis.
	Close        []func(ctx context.Context) error
	CloseTimeout time.Duration
}

// Run runs s until ctx is done, then shuts it down gracefully and returns
// nil; or until it cannot go on (the HTTP server fails, a worker fails, the
// bus connection is lost), then shuts down and returns why.
//
// Shutdown order: stop taking requests and drain the HTTP server → stop the
// workers → close the listeners and the bus → close the stores.
func Run(ctx context.Context, log *slog.Logger, s Service) (err error) {
	defer closeAll(log, s.Close, cmp.Or(s.CloseTimeout, 5*time.Second))
	if s.Bus != nil {
		defer func() {
			if cerr := s.Bus.Close(); cerr != nil {
				log.Warn("close bus", "err", cerr)
			}
		}()
	}

	failed, stopWork := startWorkers(s.Workers)
	defer stopWork()

	if len(s.Listeners) > 0 {
		if err := bus.Subscribe(s.Bus, s.Listen, log, s.Listeners...); err != nil {
			return err
		}
	}

	served, stopServing := serve(s)
	defer stopServing()
	log.Info("service started", "addr", s.Addr, "listeners", len(s.Listeners))

	var lost <-chan error
	if s.Bus != nil {
		lost = s.Bus.Lost()
	}
	select {
	case <-ctx.Done():
	case err = <-lost:
	case err = <-failed:
	case err = <-served:
		err = cmp.Or(err, errors.New("http server stopped"))
		log.Info("service stopping", "err", err)
		return err
	}
	log.Info("service stopping", "err", err)
	stopServing()
	return errors.Join(err, <-served)
}

// startWorkers runs each worker on its own goroutine. failed carries the
// error of a worker that stopped before stop was called; stop cancels the
// workers and waits for them.
func startWorkers(workers []func(context.Context) error) (failed <-chan error, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, len(workers))
	for _, w := range workers {
		wg.Go(func() {
			if err := w(ctx); err != nil && ctx.Err() == nil {
				errc <- err
			}
		})
	}
	return errc, func() { cancel(); wg.Wait() }
}

// serve runs s's HTTP server (instrumented under s.Name). served carries
// its end; stop stops taking requests and drains it (DrainTimeout).
func serve(s Service) (served <-chan error, stop func()) {
	handler := s.Handler
	if s.Name != "" {
		handler = telemetry.HTTP(s.Name, handler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		errc <- web.Serve(ctx, web.NewServer(s.Addr, handler), cmp.Or(s.DrainTimeout, 10*time.Second))
	}()
	return errc, cancel
}

// closeAll closes the stores; a failure is logged, not returned: the
// service has stopped either way.
func closeAll(log *slog.Logger, closers []func(context.Context) error, timeout time.Duration) {
	for _, c := range closers {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		if err := c(ctx); err != nil {
			log.Warn("close store", "err", err)
		}
		cancel()
	}
	log.Info("service stopped")
}
