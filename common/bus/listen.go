package bus

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/stan.go"

	"github.com/gittix/ticketing/common/events"
)

// Handler handles one decoded event. Returning nil acks the message;
// returning an error leaves it unacked, so the broker delivers it again after
// the ack wait. Messages are delivered at least once and possibly out of
// order: a handler must be idempotent.
type Handler[E events.Event] func(ctx context.Context, e E) error

// ListenerConfig configures a listener.
//
// QueueGroup is both the queue group and the durable name. Renaming it
// starts a new durable subscription that replays the whole channel.
type ListenerConfig struct {
	QueueGroup string        // e.g. "tickets-service"
	AckWait    time.Duration // default 5s, at least 1s
}

type subscription struct {
	sub      stan.Subscription
	inflight sync.WaitGroup
	cancel   context.CancelFunc
}

func (s *subscription) close() error {
	err := s.sub.Close() // stops deliveries; keeps the durable position
	s.inflight.Wait()
	s.cancel()
	return err
}

// Listen subscribes h to the subject of E. The subscription lives until the
// Conn is closed.
func Listen[E events.Event](c *Conn, cfg ListenerConfig, log *slog.Logger, h Handler[E]) error {
	subject := events.SubjectOf[E]()
	cfg.AckWait = cmp.Or(cfg.AckWait, 5*time.Second)
	if cfg.QueueGroup == "" {
		return fmt.Errorf("listen %s: queue group must be set", subject)
	}
	log = log.With("subject", string(subject), "queue_group", cfg.QueueGroup)

	ctx, cancel := context.WithCancel(context.Background())
	s := &subscription{cancel: cancel}
	handle := func(m *stan.Msg) {
		s.inflight.Add(1)
		defer s.inflight.Done()
		if Dispatch(ctx, log, h, m.Data, m.Sequence, m.Redelivered, cfg.AckWait) {
			if err := m.Ack(); err != nil {
				log.Warn("ack", "seq", m.Sequence, "err", err)
			}
		}
	}
	sub, err := c.sc.QueueSubscribe(string(subject), cfg.QueueGroup, handle,
		stan.DurableName(cfg.QueueGroup),
		stan.DeliverAllAvailable(),
		stan.SetManualAckMode(),
		stan.AckWait(cfg.AckWait),
		stan.MaxInflight(64),
	)
	if err != nil {
		cancel()
		return fmt.Errorf("subscribe %s as %s: %w", subject, cfg.QueueGroup, err)
	}
	s.sub = sub
	c.mu.Lock()
	c.subs = append(c.subs, s)
	c.mu.Unlock()
	return nil
}

// Dispatch decodes data into E and runs h, reporting whether the message
// should be acked. A message that cannot be decoded is logged and acked
// (poison: delivering it again cannot help). The handler gets at most the
// ack wait to finish, since after that the message is delivered again anyway.
func Dispatch[E events.Event](ctx context.Context, log *slog.Logger, h Handler[E], data []byte, seq uint64, redelivered bool, ackWait time.Duration) bool {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		log.Error("poison message acked", "seq", seq, "err", err, "data", truncate(data, 256))
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	if err := h(ctx, e); err != nil {
		log.Warn("event not acked", "seq", seq, "redelivered", redelivered, "err", err)
		return false
	}
	return true
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
