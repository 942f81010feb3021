// Package bus connects the services to NATS Streaming: it publishes event
// bodies and runs typed, queue-grouped, durable listeners.
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

	"github.com/nats-io/nats.go"
	"github.com/nats-io/stan.go"

	"github.com/gittix/ticketing/common/env"
	"github.com/gittix/ticketing/common/events"
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

// Config names the NATS Streaming cluster and this client.
type Config struct {
	URL       string // nats://host:port
	ClusterID string // default "ticketing"
	ClientID  string // unique per process; in Kubernetes the pod name

	// MaxDeliveries is how many times a message that is never acked is
	// delivered before it is parked (ListenerConfig.MaxDeliveries);
	// default 10.
	MaxDeliveries int

	ConnectTimeout time.Duration // default 5s
	PingInterval   time.Duration // default 2s; the connection is declared lost after PingMaxOut missed pings
	PingMaxOut     int           // default 3
}

// ErrConnLost is reported on Conn.Lost when the connection to NATS
// Streaming has gone for good. The process should exit and be restarted.
var ErrConnLost = errors.New("nats streaming connection lost")

// Conn is a connection to NATS Streaming. It is a Publisher.
type Conn struct {
	sc   stan.Conn
	log  *slog.Logger
	lost chan error

	maxDeliveries int
	parked        atomic.Int64

	mu   sync.Mutex
	subs []*subscription
}

// Parked returns how many messages this connection's listeners have
// parked after their last delivery.
func (c *Conn) Parked() int64 { return c.parked.Load() }

var _ Publisher = (*Conn)(nil)

// Connect opens a connection to NATS Streaming.
func Connect(ctx context.Context, cfg Config, log *slog.Logger) (*Conn, error) {
	cfg.ClusterID = cmp.Or(cfg.ClusterID, "ticketing")
	cfg.ConnectTimeout = cmp.Or(cfg.ConnectTimeout, 5*time.Second)
	cfg.PingInterval = cmp.Or(cfg.PingInterval, 2*time.Second)
	cfg.PingMaxOut = cmp.Or(cfg.PingMaxOut, 3)
	if cfg.ClientID == "" {
		return nil, errors.New("bus: client id must be set")
	}

	// The NATS core connection retries its reconnects for as long as the
	// streaming layer's pings allow; the ping budget decides "lost".
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.ClientID),
		nats.Timeout(cfg.ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		// While disconnected, publishing fails at once instead of being
		// buffered and sent on reconnect: the caller (the outbox relay, an
		// asynq task) retries it, and a buffered copy would go out twice.
		nats.ReconnectBufSize(-1),
	)
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", cfg.URL, err)
	}
	c := &Conn{log: log, lost: make(chan error, 1), maxDeliveries: cmp.Or(cfg.MaxDeliveries, 10)}
	sc, err := stan.Connect(cfg.ClusterID, cfg.ClientID,
		stan.NatsConn(nc),
		stan.ConnectWait(cfg.ConnectTimeout),
		// A publish in flight when the server goes away is never acked;
		// stan's default 30 s wait would stall the outbox relay that long.
		stan.PubAckWait(5*time.Second),
		stan.Pings(int(max(cfg.PingInterval/time.Second, 1)), cfg.PingMaxOut),
		stan.SetConnectionLostHandler(func(_ stan.Conn, err error) {
			log.Error("nats streaming connection lost", "err", err)
			select {
			case c.lost <- fmt.Errorf("%w: %v", ErrConnLost, err):
			default:
			}
		}),
	)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect nats streaming cluster %q as %q: %w", cfg.ClusterID, cfg.ClientID, err)
	}
	c.sc = sc
	if ctx.Err() != nil {
		c.Close()
		return nil, ctx.Err()
	}
	return c, nil
}

// Lost delivers one error if the connection is lost for good. A service
// selects on it next to its shutdown signal: a process that cannot hear
// events must not keep running deaf.
func (c *Conn) Lost() <-chan error { return c.lost }

// Ping reports whether the connection is usable, for readiness probes.
func (c *Conn) Ping(context.Context) error {
	nc := c.sc.NatsConn()
	if nc == nil || !nc.IsConnected() {
		return errors.New("nats streaming not connected")
	}
	return nil
}

// Publish implements Publisher. It waits for the broker's ack.
func (c *Conn) Publish(ctx context.Context, subject events.Subject, data []byte) error {
	done := make(chan error, 1)
	_, err := c.sc.PublishAsync(string(subject), data, func(_ string, err error) { done <- err })
	if err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("publish %s: %w", subject, err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("publish %s: %w", subject, ctx.Err())
	}
}

// Close stops every listener and closes the connection. Durable
// subscriptions are closed, not unsubscribed, so a restarted service
// resumes where it stopped. In-flight handlers finish first.
func (c *Conn) Close() error {
	c.mu.Lock()
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	var errs []error
	for _, s := range subs {
		errs = append(errs, s.close())
	}
	errs = append(errs, c.sc.Close())
	if nc := c.sc.NatsConn(); nc != nil {
		nc.Close()
	}
	return errors.Join(errs...)
}

// ConfigFrom reads the connection settings of a service named name:
// NATS_URL (required), NATS_CLUSTER_ID (default "ticketing"),
// NATS_CLIENT_ID (default name-<random hex>; in Kubernetes the pod name)
// and BUS_MAX_DELIVERIES (default 10).
func ConfigFrom(r *env.Reader, name string) Config {
	return Config{
		URL:           r.Required("NATS_URL"),
		ClusterID:     r.String("NATS_CLUSTER_ID", "ticketing"),
		ClientID:      r.ClientID("NATS_CLIENT_ID", name),
		MaxDeliveries: r.Int("BUS_MAX_DELIVERIES", 10),
	}
}
