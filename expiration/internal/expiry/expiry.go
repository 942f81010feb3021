// Package expiry is the expiration job: an asynq task, one per order, due
// at the order's expiresAt, that announces expiration:complete when it runs.
package expiry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// TaskType is the asynq type of an expiration job.
const TaskType = "order:expire"

const (
	// Retention keeps a finished job (and so its task id) in Redis for a
	// day, so an order:created redelivered after the job ran schedules
	// nothing twice.
	Retention = 24 * time.Hour
	// MaxRetry bounds the retries of a job whose publish fails: at
	// MaxRetryDelay apart, about a day. A job out of retries is archived in
	// Redis (and logged as an error), never dropped.
	MaxRetry = 2880
	// MaxRetryDelay caps the backoff between retries.
	MaxRetryDelay = 30 * time.Second
	// PublishTimeout bounds one attempt to publish the event.
	PublishTimeout = 3 * time.Second
)

// ErrBadJob is returned for a job that cannot be scheduled or run.
var ErrBadJob = errors.New("bad expiration job")

type payload struct {
	OrderID   string    `json:"orderId"`
	ExpiresAt time.Time `json:"expiresAt"`
	// TraceParent is the trace context of the order:created that
	// scheduled the job: the job's own trace links to it.
	TraceParent string `json:"traceparent,omitempty"`
}

// lag is how late expiration:complete goes out after expiresAt.
var lag = telemetry.For("expiration").Histogram("expiration_lag_seconds",
	"Time from an order's expiresAt to its expiration:complete being acked.",
	[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30})

// Publisher publishes events and tells whether it is connected;
// *bus.Conn is one.
type Publisher interface {
	bus.Publisher
	Ping(ctx context.Context) error
}

// Enqueuer schedules tasks; *asynq.Client is one.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Schedule schedules the expiration of order orderID at at (at once when at
// has passed). The order id is the task id: scheduling an order that is
// already scheduled, or whose job ran within Retention, does nothing and
// is not an error.
//
// asynq keeps due times in whole seconds (rounded down), so a job may start
// up to a second early; it carries at and waits for it (see Handler).
func Schedule(ctx context.Context, enq Enqueuer, orderID string, at time.Time) error {
	if orderID == "" {
		return fmt.Errorf("%w: no order id", ErrBadJob)
	}
	body, err := json.Marshal(payload{OrderID: orderID, ExpiresAt: at, TraceParent: telemetry.TraceParent(ctx)})
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	_, err = enq.EnqueueContext(ctx, asynq.NewTask(TaskType, body),
		asynq.TaskID(orderID),
		asynq.ProcessAt(at),
		asynq.MaxRetry(MaxRetry),
		asynq.Retention(Retention),
	)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("schedule expiration of order %s: %w", orderID, err)
	}
	return nil
}

// Handler runs an expiration job: it publishes expiration:complete for the
// order, not before the order's expiresAt. A failed publish fails the job,
// which asynq then retries. While NATS is disconnected the job fails at
// once, rather than leave a publish in the client's reconnect buffer that
// would go out on reconnect besides the retry's.
func Handler(pub Publisher) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		var p payload
		if err := json.Unmarshal(t.Payload(), &p); err != nil || p.OrderID == "" {
			// Retrying cannot fix the payload; asynq archives the task.
			return fmt.Errorf("%w: payload %q: %w", ErrBadJob, t.Payload(), asynq.SkipRetry)
		}
		// A delayed job is a trace of its own, linked to the purchase's.
		ctx, span := telemetry.Tracer().Start(ctx, TaskType+" run", trace.WithNewRoot(),
			trace.WithLinks(trace.Link{SpanContext: telemetry.SpanContextOf(p.TraceParent)}),
			trace.WithAttributes(telemetry.ServiceKey.String("expiration"), attribute.String("gittix.order_id", p.OrderID)))
		defer span.End()
		if early := time.Until(p.ExpiresAt); early > 0 {
			timer := time.NewTimer(early)
			select {
			case <-timer.C:
			case <-ctx.Done(): // shutting down: asynq runs the job again later
				timer.Stop()
				return ctx.Err()
			}
		}
		ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
		defer cancel()
		if err := pub.Ping(ctx); err != nil {
			return fmt.Errorf("expire order %s: %w", p.OrderID, err)
		}
		if err := bus.PublishEvent(ctx, pub, events.ExpirationComplete{OrderID: p.OrderID}); err != nil {
			span.SetStatus(codes.Error, err.Error())
			return fmt.Errorf("expire order %s: %w", p.OrderID, err)
		}
		lag.WithLabelValues().Observe(time.Since(p.ExpiresAt).Seconds())
		return nil
	}
}

// RetryDelay is the backoff between attempts of a failed job: 1 s, 2 s,
// 4 s, … capped at MaxRetryDelay. n is the number of retries so far.
func RetryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	if n >= 5 { // 2^5 s > MaxRetryDelay; also keeps the shift small
		return MaxRetryDelay
	}
	return min(time.Second<<max(n, 0), MaxRetryDelay)
}

// ErrorHandler logs failed attempts; a job out of retries is an error.
func ErrorHandler(log *slog.Logger) asynq.ErrorHandlerFunc {
	return func(ctx context.Context, t *asynq.Task, err error) {
		id, _ := asynq.GetTaskID(ctx)
		retried, _ := asynq.GetRetryCount(ctx)
		maxRetry, _ := asynq.GetMaxRetry(ctx)
		if retried >= maxRetry || errors.Is(err, asynq.SkipRetry) {
			log.Error("expiration job archived: order not expired", "task_id", id, "retried", retried, "err", err)
			return
		}
		log.Warn("expiration job failed; will retry", "task_id", id, "retried", retried, "err", err)
	}
}
