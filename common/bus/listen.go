package bus

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// Handler handles one decoded event. Returning nil acks the message;
// returning an error leaves it unacked, so the broker delivers it again after
// the ack wait; returning an error that wraps ErrDrop acks it and logs the
// error. Messages are delivered at least once and possibly out of order: a
// handler must be idempotent.
type Handler[E events.Event] func(ctx context.Context, e E) error

// ErrDrop marks an event that can never be handled — it names an entity
// that cannot exist, say — so that waiting for a redelivery cannot help.
// A handler returns it wrapped with the reason:
//
//	return fmt.Errorf("order id %q: %w", e.OrderID, bus.ErrDrop)
//
// and the message is logged and acked.
var ErrDrop = errors.New("event dropped")

// ListenerConfig configures a listener.
//
// QueueGroup is both the queue group and the durable name (on JetStream,
// the durable consumer is named after the queue group and the subject).
// Renaming it starts a new durable subscription that replays the whole
// channel.
type ListenerConfig struct {
	QueueGroup string        // e.g. "tickets-service"
	AckWait    time.Duration // default 5s, at least 1s
	// MaxDeliveries bounds the deliveries of a message that is never
	// acked: on its last one a failure parks it (NATS Streaming: logged,
	// counted and acked; JetStream: moved to the dead-letter stream,
	// counted and acked) so that it cannot stall the subscription for
	// good. Default: the connection's Config.MaxDeliveries.
	MaxDeliveries int
}

// Subscription is one listener of a service: the subject it hears and its
// handler. A service declares its subscriptions once, and Subscribe starts
// them all under its queue group.
type Subscription struct {
	Subject events.Subject
	handle  func(ctx context.Context, log *slog.Logger, data []byte, seq uint64, redelivered bool, ackWait time.Duration) bool
}

// On returns the subscription of h to the subject of E.
func On[E events.Event](h Handler[E]) Subscription {
	return Subscription{
		Subject: events.SubjectOf[E](),
		handle: func(ctx context.Context, log *slog.Logger, data []byte, seq uint64, redelivered bool, ackWait time.Duration) bool {
			return Dispatch(ctx, log, h, data, seq, redelivered, ackWait)
		},
	}
}

// Dispatch runs the subscription's handler on a message's data, as a
// delivery does (see the function Dispatch), and reports whether the
// message should be acked.
func (s Subscription) Dispatch(ctx context.Context, log *slog.Logger, data []byte, seq uint64, redelivered bool, ackWait time.Duration) bool {
	return s.handle(ctx, log, data, seq, redelivered, ackWait)
}

// subscription is one running listener: deliveries enter its gate, and
// close stops deliveries, waits for the handlers in flight, then cancels
// their context.
type subscription struct {
	ctx    context.Context
	cancel context.CancelFunc
	gate   gate
	stop   func() error
}

func (s *subscription) close() error {
	err := s.stop() // stops deliveries; keeps the durable position
	s.gate.close()
	s.cancel()
	return err
}

// gate counts the handlers in flight and turns new deliveries away once
// closed (a sync.WaitGroup alone must not see Add after Wait has begun).
type gate struct {
	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup
}

func (g *gate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.inflight.Add(1)
	return true
}

func (g *gate) leave() { g.inflight.Done() }

func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.inflight.Wait()
}

// Listen subscribes h to the subject of E. The subscription lives until the
// Conn is closed.
func Listen[E events.Event](c *Conn, cfg ListenerConfig, log *slog.Logger, h Handler[E]) error {
	return Subscribe(c, cfg, log, On(h))
}

// Subscribe starts every subscription under cfg's queue group. They live
// until the Conn is closed.
func Subscribe(c *Conn, cfg ListenerConfig, log *slog.Logger, subs ...Subscription) error {
	for _, s := range subs {
		if err := c.subscribe(cfg, log, s); err != nil {
			return err
		}
	}
	return nil
}

func (c *Conn) subscribe(cfg ListenerConfig, log *slog.Logger, s Subscription) error {
	cfg.AckWait = cmp.Or(cfg.AckWait, 5*time.Second)
	cfg.MaxDeliveries = cmp.Or(cfg.MaxDeliveries, c.maxDeliveries)
	if cfg.QueueGroup == "" {
		return fmt.Errorf("listen %s: queue group must be set", s.Subject)
	}
	log = log.With("subject", string(s.Subject), "queue_group", cfg.QueueGroup)

	ctx, cancel := context.WithCancel(withService(context.Background(), c.service))
	sub := &subscription{ctx: ctx, cancel: cancel}
	stop, err := c.t.subscribe(cfg, log, s, sub)
	if err != nil {
		cancel()
		return fmt.Errorf("subscribe %s as %s: %w", s.Subject, cfg.QueueGroup, err)
	}
	sub.stop = stop
	c.mu.Lock()
	c.subs = append(c.subs, sub)
	c.mu.Unlock()
	return nil
}

// MaxInflight is how many unacked messages a subscription holds at once
// (NATS Streaming: per member; JetStream: the consumer's MaxAckPending,
// shared by the members of its queue group).
const MaxInflight = 64

// Dispatch decodes data into E and runs h, reporting whether the message
// should be acked:
//   - data that cannot be decoded is logged and acked (poison: delivering
//     it again cannot help);
//   - an error wrapping ErrDrop is logged and acked;
//   - any other error, or a panic (recovered and logged with its stack),
//     leaves the message unacked, to be delivered again.
//
// The handler gets at most the ack wait to finish, since after that the
// message is delivered again anyway.
func Dispatch[E events.Event](ctx context.Context, log *slog.Logger, h Handler[E], data []byte, seq uint64, redelivered bool, ackWait time.Duration) (ack bool) {
	subject := string(events.SubjectOf[E]())
	service := serviceFrom(ctx)
	// The delivery continues the publisher's trace: from the JetStream
	// header (the transport put it in ctx) or the body's field.
	if !trace.SpanContextFromContext(ctx).IsValid() {
		ctx = telemetry.WithTraceParent(ctx, traceParentFieldOf(data))
	}
	ctx, span := telemetry.Tracer().Start(ctx, subject+" process", trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(telemetry.ServiceKey.String(service), semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingDestinationName(subject), attribute.Int64("messaging.nats.sequence", int64(seq)),
			attribute.Bool("messaging.redelivered", redelivered)))
	outcome, begin := "ack", time.Now()
	defer func() {
		span.SetAttributes(attribute.String("gittix.outcome", outcome))
		span.End()
		if service == "" {
			return // a test dispatching by hand
		}
		m := telemetry.For(service)
		m.Handled.WithLabelValues(subject, outcome).Inc()
		m.HandlerTime.WithLabelValues(subject).Observe(time.Since(begin).Seconds())
		if redelivered {
			m.Redelivered.WithLabelValues(subject).Inc()
		}
	}()

	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		log.ErrorContext(ctx, "poison message acked", "seq", seq, "err", err, "data", truncate(data, 256))
		outcome = "poison"
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			log.ErrorContext(ctx, "event handler panicked; not acked", "seq", seq, "redelivered", redelivered,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			outcome = "panic"
			span.SetStatus(codes.Error, fmt.Sprint(v))
			ack = false
		}
	}()
	err := h(ctx, e)
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrDrop):
		log.ErrorContext(ctx, "event dropped", "seq", seq, "err", err)
		outcome = "drop"
		return true
	default:
		log.WarnContext(ctx, "event not acked", "seq", seq, "redelivered", redelivered, "err", err)
		outcome = "retry"
		span.SetStatus(codes.Error, err.Error())
		return false
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
