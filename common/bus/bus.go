// Package bus connects the services to the message broker: it publishes
// event bodies and runs typed, queue-grouped, durable listeners.
//
// Two transports sit behind one API, chosen by Config.Transport (BUS):
// NATS Streaming ("stan", the default, as the original) and NATS JetStream
// ("jetstream"). Subjects and JSON bodies are the same on both (SPEC §8);
// see stan.go and jetstream.go for how each maps the listener rules.
//
// It is the only package of the project that imports stan.go, so that a move
// to another broker touches one package.
package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/env"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// Publisher publishes an event body on a subject. Publish returns once the
// broker has stored the message, or with an error; it honours ctx.
// Implementations are safe for concurrent use.
type Publisher interface {
	Publish(ctx context.Context, subject events.Subject, data []byte) error
}

// PublishEvent marshals e and publishes it on its subject.
func PublishEvent(ctx context.Context, p Publisher, e events.Event) error {
	data, err := events.Marshal(e)
	if err != nil {
		return err
	}
	return p.Publish(ctx, e.Subject(), data)
}

type msgIDKey struct{}

// WithMsgID returns a context that makes Conn.Publish send id as the
// message id (JetStream's Nats-Msg-Id): JetStream stores a message once per
// id within the stream's duplicate window (DuplicateWindow), so a publish
// retried after a lost ack is not stored twice. The outbox relay passes the
// outbox entry's id. NATS Streaming has no de-duplication and ignores it.
func WithMsgID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, msgIDKey{}, id)
}

func msgIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(msgIDKey{}).(string)
	return id
}

// The transports Config.Transport names.
const (
	TransportStan      = "stan"
	TransportJetStream = "jetstream"
)

// Config names the broker and this client.
type Config struct {
	// Transport is TransportStan (the default) or TransportJetStream.
	Transport string

	// Service names the service in spans and metrics (ConfigFrom sets it);
	// default: the client id.
	Service string

	URL       string // nats://host:port
	ClusterID string // NATS Streaming only; default "ticketing"
	ClientID  string // unique per process; in Kubernetes the pod name

	// MaxDeliveries is how many times a message that is never acked is
	// delivered before it is parked — on JetStream, dead-lettered
	// (ListenerConfig.MaxDeliveries); default 10.
	MaxDeliveries int

	// StreamReplicas is the replica count of the JetStream streams when
	// this client creates them (a clustered server: 3); default 1. An
	// existing stream keeps its settings.
	StreamReplicas int

	ConnectTimeout time.Duration // default 5s
	PingInterval   time.Duration // default 2s; the connection is declared lost after PingMaxOut missed pings
	PingMaxOut     int           // default 3
}

// ErrConnLost is reported on Conn.Lost when the connection to the broker
// has gone for good. The process should exit and be restarted.
var ErrConnLost = errors.New("nats connection lost")

// transport is one broker's implementation of a Conn.
type transport interface {
	// publish sends data; traceParent, when not empty, is the W3C trace
	// context to send with it.
	publish(ctx context.Context, subject events.Subject, data []byte, msgID, traceParent string) error
	// subscribe starts s under cfg (defaults applied); deliveries run
	// through sub, and the returned function stops them.
	subscribe(cfg ListenerConfig, log *slog.Logger, s Subscription, sub *subscription) (stop func() error, err error)
	ping(ctx context.Context) error
	close() error
}

// Conn is a connection to the broker. It is a Publisher.
type Conn struct {
	t         transport
	transport string
	service   string
	log       *slog.Logger
	lost      chan error
	closing   atomic.Bool

	maxDeliveries int
	parked        atomic.Int64

	mu   sync.Mutex
	subs []*subscription
}

// Parked returns how many messages this connection's listeners have
// parked (NATS Streaming: logged and acked) or dead-lettered (JetStream)
// after their last delivery.
func (c *Conn) Parked() int64 { return c.parked.Load() }

// Transport returns the transport the connection uses.
func (c *Conn) Transport() string { return c.transport }

var _ Publisher = (*Conn)(nil)

// Connect opens a connection to the broker cfg.Transport names.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Conn, error) {
	cfg.Transport = cmp.Or(cfg.Transport, TransportStan)
	cfg.ClusterID = cmp.Or(cfg.ClusterID, "ticketing")
	cfg.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, 5*time.Second)
	cfg.PingInterval = cmp.Or(cfg.PingInterval, 2*time.Second)
	cfg.PingMaxOut = cmp.Or(cfg.PingMaxOut, 3)
	cfg.StreamReplicas = cmp.Or(cfg.StreamReplicas, 1)
	if cfg.ClientID == "" {
		return nil, errors.New("bus: client id must be set")
	}
	c := &Conn{
		transport: cfg.Transport, service: cmp.Or(cfg.Service, cfg.ClientID), log: log, lost: make(chan error, 1),
		maxDeliveries: cmp.Or(cfg.MaxDeliveries, 10),
	}
	var err error
	switch cfg.Transport {
	case TransportStan:
		c.t, err = connectStan(cfg, c)
	case TransportJetStream:
		c.t, err = connectJetStream(ctx, cfg, c)
	default:
		return nil, fmt.Errorf("bus: transport %q, want %q or %q", cfg.Transport, TransportStan, TransportJetStream)
	}
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		c.Close()
		return nil, ctx.Err()
	}
	return c, nil
}

// reportLost reports err on Lost once, unless the Conn is being closed.
func (c *Conn) reportLost(err error) {
	if c.closing.Load() {
		return
	}
	c.log.Error("bus connection lost", "transport", c.transport, "err", err)
	select {
	case c.lost <- err:
	default:
	}
}

// Lost delivers one error if the connection is lost for good. A service
// selects on it next to its shutdown signal: a process that cannot hear
// events must not keep running deaf.
func (c *Conn) Lost() <-chan error { return c.lost }

// Ping reports whether the connection is usable, for readiness probes.
func (c *Conn) Ping(ctx context.Context) error { return c.t.ping(ctx) }

// Publish implements Publisher. It waits for the broker's ack. A message id
// set with WithMsgID travels with the message (JetStream).
//
// The publish is a producer span, a child of ctx's span; its trace context
// goes with the message (see traceparent.go).
func (c *Conn) Publish(ctx context.Context, subject events.Subject, data []byte) error {
	ctx, span := telemetry.Tracer().Start(ctx, string(subject)+" publish", trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(telemetry.ServiceKey.String(c.service), semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingDestinationName(string(subject))))
	defer span.End()
	if err := c.t.publish(ctx, subject, data, msgIDFrom(ctx), telemetry.TraceParent(ctx)); err != nil {
		span.SetStatus(codes.Error, err.Error())
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	telemetry.For(c.service).Published.WithLabelValues(string(subject)).Inc()
	return nil
}

// Close stops every listener and closes the connection. Durable
// subscriptions are closed, not unsubscribed, so a restarted service
// resumes where it stopped. In-flight handlers finish first.
func (c *Conn) Close() error {
	c.closing.Store(true)
	c.mu.Lock()
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	var errs []error
	for _, s := range subs {
		errs = append(errs, s.close())
	}
	errs = append(errs, c.t.close())
	return errors.Join(errs...)
}

// ConfigFrom reads the connection settings of a service named name:
// BUS (stan or jetstream; default stan), NATS_URL (required),
// NATS_CLUSTER_ID (NATS Streaming; default "ticketing"), NATS_CLIENT_ID
// (default name-<random hex>; in Kubernetes the pod name),
// BUS_MAX_DELIVERIES (default 10) and BUS_STREAM_REPLICAS (JetStream, when
// this client creates the streams; default 1).
func ConfigFrom(r *env.Reader, name string) Config {
	transport := r.String("BUS", TransportStan)
	if transport != TransportStan && transport != TransportJetStream {
		r.Fail(fmt.Errorf("BUS is %q, want %s or %s", transport, TransportStan, TransportJetStream))
	}
	return Config{
		Service:        name,
		Transport:      transport,
		URL:            r.Required("NATS_URL"),
		ClusterID:      r.String("NATS_CLUSTER_ID", "ticketing"),
		ClientID:       r.ClientID("NATS_CLIENT_ID", name),
		MaxDeliveries:  r.Int("BUS_MAX_DELIVERIES", 10),
		StreamReplicas: r.Int("BUS_STREAM_REPLICAS", 1),
	}
}
