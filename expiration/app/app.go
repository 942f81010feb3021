// Package app wires the expiration service: it hears order:created,
// schedules one asynq job per order at its expiresAt, and publishes
// expiration:complete when the job runs. It has no HTTP API, only health
// probes.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/expiration/internal/config"
	"github.com/gittix/ticketing/expiration/internal/expiry"
	"github.com/gittix/ticketing/expiration/internal/listener"
)

// CheckInterval is how often asynq looks for jobs that became due and for
// new work. asynq's default (5 s) would expire orders up to 5 s late.
const CheckInterval = 100 * time.Millisecond

// Run runs the service until ctx is done (then shuts down gracefully) or
// the connection to NATS Streaming is lost (then returns an error).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	rdb := redis.NewClient(cfg.Redis)
	defer rdb.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = rdb.Ping(pctx).Err()
	cancel()
	if err != nil {
		return fmt.Errorf("ping redis %s: %w", cfg.Redis.Addr, err)
	}
	client := asynq.NewClientFromRedisClient(rdb)
	defer client.Close()

	conn, err := bus.Connect(ctx, bus.Config{URL: cfg.NATSURL, ClusterID: cfg.NATSClusterID, ClientID: cfg.NATSClientID}, log)
	if err != nil {
		return err
	}
	defer conn.Close() // stops the listener (in-flight events finish), then NATS

	worker := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              512, // jobs only wait: for their due instant (≤ 1 s) and NATS acks
		DelayedTaskCheckInterval: CheckInterval,
		TaskCheckInterval:        CheckInterval,
		RetryDelayFunc:           expiry.RetryDelay,
		ErrorHandler:             expiry.ErrorHandler(log),
		Logger:                   asynqLogger{log.With("component", "asynq")},
		ShutdownTimeout:          cfg.ShutdownTimeout,
	})
	mux := asynq.NewServeMux()
	mux.Handle(expiry.TaskType, expiry.Handler(conn))
	if err := worker.Start(mux); err != nil {
		return fmt.Errorf("start asynq server: %w", err)
	}
	defer worker.Shutdown() // runs before conn.Close: running jobs still publish

	if err := bus.Listen(conn, bus.ListenerConfig{QueueGroup: "expiration-service"}, log,
		listener.OrderCreated(client, log)); err != nil {
		return err
	}

	probes := http.NewServeMux()
	probes.HandleFunc("GET /healthz", web.Healthz)
	probes.Handle("GET /readyz", web.Readyz(log, map[string]web.Check{
		"redis": func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
		"nats":  conn.Ping,
	}))
	probes.Handle("/", web.NotFound(log))

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- web.Serve(sctx, web.NewServer(cfg.Addr(), probes), cfg.ShutdownTimeout) }()
	log.Info("expiration service started", "addr", cfg.Addr(), "listening", string(events.SubjectOrderCreated))

	var lost error
	select {
	case <-ctx.Done():
	case lost = <-conn.Lost():
	case err := <-served:
		return err // the probe server could not start
	}
	log.Info("expiration service stopping")
	stop()
	return errors.Join(lost, <-served)
}

// asynqLogger sends asynq's log lines to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...)) } // never exits: services share a process in make dev
