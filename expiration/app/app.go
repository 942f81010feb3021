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
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/telemetry"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/expiration/internal/config"
	"github.com/gittix/ticketing/expiration/internal/expiry"
	"github.com/gittix/ticketing/expiration/internal/listener"
)

// CheckInterval is how often asynq looks for jobs that became due and for
// new work. asynq's default (5 s) would expire orders up to 5 s late.
const CheckInterval = 100 * time.Millisecond

// QueueGroup is the queue group and durable name of the service's
// listener (SPEC §8). Never rename it: a new name replays the channel.
const QueueGroup = "expiration-service"

// Run runs the service until ctx is done (then shuts down gracefully) or
// it cannot go on (the broker connection is lost: then it returns why).
// Shutdown order (lifecycle.Run): the probes drain, the job server stops
// (running jobs still publish), the listener and the bus close, then Redis.
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	rdb := redis.NewClient(cfg.Redis)
	if err := redisotel.InstrumentTracing(rdb, redisotel.WithTracerProvider(telemetry.ChildOnly())); err != nil {
		return errors.Join(fmt.Errorf("trace redis: %w", err), rdb.Close())
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = rdb.Ping(pctx).Err()
	cancel()
	if err != nil {
		return errors.Join(fmt.Errorf("ping redis %s: %w", cfg.Redis.Addr, err), rdb.Close())
	}
	conn, err := bus.Connect(ctx, cfg.Bus, log)
	if err != nil {
		return errors.Join(err, rdb.Close())
	}
	client := asynq.NewClientFromRedisClient(rdb)
	return lifecycle.Run(ctx, log, lifecycle.Service{
		Name: "expiration", Addr: cfg.Addr, DrainTimeout: cfg.ShutdownTimeout,
		Handler: web.NewRouter(log, map[string]web.Check{
			"redis": func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
			"nats":  conn.Ping,
		}),
		Workers:   []func(context.Context) error{jobServer(rdb, conn, log, cfg.ShutdownTimeout)},
		Bus:       conn,
		Listen:    bus.ListenerConfig{QueueGroup: QueueGroup},
		Listeners: []bus.Subscription{bus.On(listener.OrderCreated(client, log))},
		// The asynq client shares rdb (its Close refuses a shared
		// connection): closing rdb closes both.
		Close: []func(context.Context) error{func(context.Context) error { return rdb.Close() }},
	})
}

// jobServer runs the asynq server that runs the due jobs, publishing on
// pub, until ctx is done.
func jobServer(rdb redis.UniversalClient, pub expiry.Publisher, log *slog.Logger, shutdown time.Duration) func(context.Context) error {
	return func(ctx context.Context) error {
		worker := asynq.NewServerFromRedisClient(rdb, asynq.Config{
			Concurrency:              512, // jobs only wait: for their due instant (≤ 1 s) and NATS acks
			DelayedTaskCheckInterval: CheckInterval,
			TaskCheckInterval:        CheckInterval,
			RetryDelayFunc:           expiry.RetryDelay,
			ErrorHandler:             expiry.ErrorHandler(log),
			Logger:                   asynqLogger{log.With("component", "asynq")},
			ShutdownTimeout:          shutdown,
		})
		mux := asynq.NewServeMux()
		mux.Handle(expiry.TaskType, expiry.Handler(pub))
		if err := worker.Start(mux); err != nil {
			return fmt.Errorf("start asynq server: %w", err)
		}
		<-ctx.Done()
		worker.Shutdown()
		return nil
	}
}

// asynqLogger sends asynq's log lines to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...)) } // never exits: services share a process in make dev
