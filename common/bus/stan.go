package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/stan.go"

	"github.com/gittix/ticketing/common/events"
)

// stanTransport is NATS Streaming (SPEC §8 as written): a listener is a
// durable queue subscription (durable name = queue group), deliver-all,
// manual ack, the listener's ack wait, at most MaxInflight unacked. A
// message that fails on its last delivery is parked: logged, counted and
// acked. Publish ignores message ids (no de-duplication).
type stanTransport struct {
	sc stan.Conn
	c  *Conn
}

func connectStan(cfg Config, c *Conn) (*stanTransport, error) {
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
	sc, err := stan.Connect(cfg.ClusterID, cfg.ClientID,
		stan.NatsConn(nc),
		stan.ConnectWait(cfg.ConnectTimeout),
		// A publish in flight when the server goes away is never acked;
		// stan's default 30 s wait would stall the outbox relay that long.
		stan.PubAckWait(5*time.Second),
		stan.Pings(int(max(cfg.PingInterval/time.Second, 1)), cfg.PingMaxOut),
		stan.SetConnectionLostHandler(func(_ stan.Conn, err error) {
			c.reportLost(fmt.Errorf("%w: nats streaming: %v", ErrConnLost, err))
		}),
	)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect nats streaming cluster %q as %q: %w", cfg.ClusterID, cfg.ClientID, err)
	}
	return &stanTransport{sc: sc, c: c}, nil
}

func (t *stanTransport) ping(context.Context) error {
	nc := t.sc.NatsConn()
	if nc == nil || !nc.IsConnected() {
		return errors.New("nats streaming not connected")
	}
	return nil
}

func (t *stanTransport) publish(ctx context.Context, subject events.Subject, data []byte, _, traceParent string) error {
	// NATS Streaming has no headers: the trace context is a field of the
	// JSON body, which listeners that do not know it ignore.
	data = withTraceParentField(data, traceParent)
	done := make(chan error, 1)
	if _, err := t.sc.PublishAsync(string(subject), data, func(_ string, err error) { done <- err }); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *stanTransport) subscribe(cfg ListenerConfig, log *slog.Logger, s Subscription, sub *subscription) (func() error, error) {
	handle := func(m *stan.Msg) {
		if !sub.gate.enter() {
			return // closing: not acked, delivered again
		}
		defer sub.gate.leave()
		ack := s.Dispatch(sub.ctx, log, m.Data, m.Sequence, m.Redelivered, cfg.AckWait)
		if !ack && sub.ctx.Err() == nil && int(m.RedeliveryCount)+1 >= cfg.MaxDeliveries {
			t.c.parked.Add(1)
			log.Error("event parked after its last delivery", "seq", m.Sequence,
				"deliveries", m.RedeliveryCount+1, "data", truncate(m.Data, 256))
			ack = true
		}
		if ack {
			if err := m.Ack(); err != nil {
				log.Warn("ack", "seq", m.Sequence, "err", err)
			}
		}
	}
	ss, err := t.sc.QueueSubscribe(string(s.Subject), cfg.QueueGroup, handle,
		stan.DurableName(cfg.QueueGroup),
		stan.DeliverAllAvailable(),
		stan.SetManualAckMode(),
		stan.AckWait(cfg.AckWait),
		stan.MaxInflight(MaxInflight),
	)
	if err != nil {
		return nil, err
	}
	return ss.Close, nil // Close, not Unsubscribe: keeps the durable position
}

func (t *stanTransport) close() error {
	err := t.sc.Close()
	if nc := t.sc.NatsConn(); nc != nil {
		nc.Close()
	}
	return err
}
