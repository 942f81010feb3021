package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// The JetStream layout. Every name here is part of a deployment's state:
// renaming one starts afresh.
//
// Stream StreamName holds the app's subjects (the six of SPEC §8 at
// creation; a subject published or listened to that the stream lacks is
// added on first use, and subjects are never removed, so services of
// different versions can share it). File storage, limits retention:
//   - MaxBytes StreamMaxBytes (1 GiB), discarding the oldest beyond it;
//   - MaxMsgsPerSubject StreamMaxMsgsPerSubject (1,000,000, NATS
//     Streaming's default per channel);
//   - MaxAge unlimited (as NATS Streaming's default), so a new queue group
//     replays the whole history that the limits above kept;
//   - Duplicates DuplicateWindow (10 min): a publish with the id of one
//     stored within the window is acked and not stored again.
//
// A listener is a durable pull consumer per queue group and subject
// (ConsumerName): explicit ack, DeliverAll when created, AckWait the
// listener's for the first two deliveries and then growing (BackOff, up to
// 30 s), MaxAckPending MaxInflight, MaxDeliver the listener's
// MaxDeliveries plus two spare deliveries (used only when moving a message
// to the dead letters failed). Members of a queue group share its
// consumers.
//
// A message that fails on its last delivery is dead-lettered: republished
// on DeadLetterPrefix+subject into stream DeadLetterStream (file storage,
// DeadLetterMaxBytes, 256 MiB, oldest discarded; no age limit) with the
// Header* headers naming where it came from, then acked. See
// Conn.DeadLetters and cmd/deadletters.
const (
	StreamName              = "GITTIX"
	StreamMaxBytes          = 1 << 30
	StreamMaxMsgsPerSubject = 1_000_000
	DuplicateWindow         = 10 * time.Minute

	DeadLetterStream   = "GITTIX_DLQ"
	DeadLetterPrefix   = "deadletter."
	DeadLetterMaxBytes = 256 << 20

	// The headers of a dead letter.
	HeaderSubject    = "Gittix-Subject"         // the original subject
	HeaderSequence   = "Gittix-Stream-Sequence" // its sequence in StreamName
	HeaderConsumer   = "Gittix-Consumer"        // the consumer that gave up
	HeaderQueueGroup = "Gittix-Queue-Group"     // its queue group
	HeaderDeliveries = "Gittix-Deliveries"      // how many times it was delivered
)

// ConsumerName is the durable consumer of queueGroup on subject:
// "<queue group>_<subject>", with every character a consumer name may not
// hold (":", ".", "*", ">", "/", "\", white space) replaced by "_". For
// example "orders-service_ticket_created".
func ConsumerName(queueGroup string, subject events.Subject) string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if strings.ContainsRune(":.*>/\\", r) || r <= ' ' {
				return '_'
			}
			return r
		}, s)
	}
	return clean(queueGroup) + "_" + clean(string(subject))
}

// appSubjects are the stream's subjects at creation: every subject of the
// system, so that services add none later. (Adding one — a stream update —
// while another client creates a consumer trips a data race inside
// nats-server v2.15.3, which -race reports.)
var appSubjects = events.Subjects

// backoff is the ack wait of each delivery: the listener's for the first
// two, then doubling up to 30 s (or the ack wait, if longer). It has fewer
// entries than deliveries, as the server requires.
func backoff(ackWait time.Duration, maxDeliveries int) []time.Duration {
	n := min(maxDeliveries-1, 4)
	if n < 1 {
		return nil
	}
	limit := max(ackWait, 30*time.Second)
	out := make([]time.Duration, n)
	d := ackWait
	for i := range out {
		out[i] = d
		if i >= 1 {
			d = min(2*d, limit)
		}
	}
	return out
}

type jsTransport struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	c        *Conn
	log      *slog.Logger
	replicas int

	mu       sync.Mutex
	subjects map[string]bool // known to be in the stream

	lostMu    sync.Mutex
	lostTimer *time.Timer
}

// connectJetStream connects and makes sure both streams exist.
//
// The connection reconnects for ever; it counts as lost when it has been
// disconnected for PingInterval × PingMaxOut (6 s by default, the budget
// NATS Streaming's pings give) or is closed by the client library. Pings
// at PingInterval detect a server that stopped answering.
func connectJetStream(ctx context.Context, cfg Config, c *Conn) (*jsTransport, error) {
	t := &jsTransport{c: c, log: c.log, replicas: cfg.StreamReplicas, subjects: map[string]bool{}}
	lostAfter := cfg.PingInterval * time.Duration(cfg.PingMaxOut)
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.ClientID),
		nats.Timeout(cfg.ConnectTimeout),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		// While disconnected, publishing fails at once instead of being
		// buffered and sent on reconnect (see stan.go).
		nats.ReconnectBufSize(-1),
		nats.PingInterval(cfg.PingInterval),
		nats.MaxPingsOutstanding(cfg.PingMaxOut),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			t.lostMu.Lock()
			defer t.lostMu.Unlock()
			if t.lostTimer != nil || c.closing.Load() {
				return
			}
			t.log.Warn("nats disconnected", "err", err)
			t.lostTimer = time.AfterFunc(lostAfter, func() {
				c.reportLost(fmt.Errorf("%w: disconnected for more than %s (%v)", ErrConnLost, lostAfter, err))
			})
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			t.lostMu.Lock()
			defer t.lostMu.Unlock()
			if t.lostTimer != nil {
				t.lostTimer.Stop()
				t.lostTimer = nil
			}
			t.log.Info("nats reconnected")
		}),
		nats.ClosedHandler(func(*nats.Conn) {
			c.reportLost(fmt.Errorf("%w: connection closed", ErrConnLost))
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect nats %s: %w", cfg.URL, err)
	}
	t.nc = nc
	if t.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := t.ensureStreams(ctx); err != nil {
		c.closing.Store(true)
		nc.Close()
		return nil, fmt.Errorf("connect jetstream %s: %w", cfg.URL, err)
	}
	return t, nil
}

func (t *jsTransport) streamConfigs() (app, dlq jetstream.StreamConfig) {
	subjects := make([]string, len(appSubjects))
	for i, s := range appSubjects {
		subjects[i] = string(s)
	}
	app = jetstream.StreamConfig{
		Name:              StreamName,
		Description:       "GitTix events (SPEC §8)",
		Subjects:          subjects,
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardOld,
		MaxBytes:          StreamMaxBytes,
		MaxMsgsPerSubject: StreamMaxMsgsPerSubject,
		Duplicates:        DuplicateWindow,
		Replicas:          t.replicas,
	}
	dlq = jetstream.StreamConfig{
		Name:        DeadLetterStream,
		Description: "GitTix events that exhausted their deliveries",
		Subjects:    []string{DeadLetterPrefix + ">"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxBytes:    DeadLetterMaxBytes,
		Duplicates:  DuplicateWindow,
		Replicas:    t.replicas,
	}
	return app, dlq
}

// ensureStreams creates the streams that do not exist and adds the app's
// subjects to an existing StreamName. It changes nothing else in an
// existing stream: its limits are the operator's.
func (t *jsTransport) ensureStreams(ctx context.Context) error {
	app, dlq := t.streamConfigs()
	for _, cfg := range []jetstream.StreamConfig{app, dlq} {
		_, err := t.js.CreateStream(ctx, cfg)
		if err != nil && !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			return fmt.Errorf("create stream %s: %w", cfg.Name, err)
		}
	}
	return t.ensureSubjects(ctx, appSubjects...)
}

// ensureSubjects adds the subjects StreamName lacks to it.
func (t *jsTransport) ensureSubjects(ctx context.Context, subjects ...events.Subject) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	missing := slices.ContainsFunc(subjects, func(s events.Subject) bool { return !t.subjects[string(s)] })
	if !missing {
		return nil
	}
	s, err := t.js.Stream(ctx, StreamName)
	if err != nil {
		return fmt.Errorf("stream %s: %w", StreamName, err)
	}
	cfg := s.CachedInfo().Config
	have := len(cfg.Subjects)
	for _, sub := range subjects {
		if !slices.Contains(cfg.Subjects, string(sub)) {
			cfg.Subjects = append(cfg.Subjects, string(sub))
		}
	}
	if len(cfg.Subjects) > have {
		if _, err := t.js.UpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("add subjects to stream %s: %w", StreamName, err)
		}
		t.log.Info("jetstream stream subjects added", "stream", StreamName, "subjects", cfg.Subjects[have:])
	}
	for _, sub := range cfg.Subjects {
		t.subjects[sub] = true
	}
	return nil
}

func (t *jsTransport) forget(subject events.Subject) {
	t.mu.Lock()
	delete(t.subjects, string(subject))
	t.mu.Unlock()
}

func (t *jsTransport) ping(context.Context) error {
	if !t.nc.IsConnected() {
		return errors.New("nats not connected")
	}
	return nil
}

func (t *jsTransport) publish(ctx context.Context, subject events.Subject, data []byte, msgID, traceParent string) error {
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	for attempt := 0; ; attempt++ {
		if err := t.ensureSubjects(ctx, subject); err != nil {
			return err
		}
		msg := &nats.Msg{Subject: string(subject), Data: data}
		if traceParent != "" {
			// nats.Header is case-sensitive: the W3C name, lower-case.
			msg.Header = nats.Header{traceParentHeader: []string{traceParent}}
		}
		_, err := t.js.PublishMsg(ctx, msg, opts...)
		// No stream answered: another client may have replaced the
		// stream's subjects at the same moment. Look again, once.
		if errors.Is(err, jetstream.ErrNoStreamResponse) && attempt == 0 && t.nc.IsConnected() {
			t.forget(subject)
			continue
		}
		return err
	}
}

func (t *jsTransport) subscribe(cfg ListenerConfig, log *slog.Logger, s Subscription, sub *subscription) (func() error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.ensureSubjects(ctx, s.Subject); err != nil {
		return nil, err
	}
	name := ConsumerName(cfg.QueueGroup, s.Subject)
	bo := backoff(cfg.AckWait, cfg.MaxDeliveries)
	cons, err := t.js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       name,
		Description:   fmt.Sprintf("queue group %s on %s", cfg.QueueGroup, s.Subject),
		FilterSubject: string(s.Subject),
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		BackOff:       bo,
		MaxDeliver:    cfg.MaxDeliveries + 2,
		MaxAckPending: MaxInflight,
		Metadata:      map[string]string{"queue_group": cfg.QueueGroup, "subject": string(s.Subject)},
	})
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", name, err)
	}
	handle := func(m jetstream.Msg) {
		if !sub.gate.enter() {
			return // closing: not acked, delivered again
		}
		defer sub.gate.leave()
		md, err := m.Metadata()
		if err != nil {
			log.Error("jetstream message without metadata; terminated", "err", err)
			_ = m.Term()
			return
		}
		seq, deliveries := md.Sequence.Stream, int(md.NumDelivered)
		ctx := sub.ctx
		if tp := m.Headers()[traceParentHeader]; len(tp) > 0 {
			ctx = telemetry.WithTraceParent(ctx, tp[0])
		}
		ack := s.Dispatch(ctx, log, m.Data(), seq, deliveries > 1, cfg.AckWait)
		if !ack && sub.ctx.Err() == nil && deliveries >= cfg.MaxDeliveries {
			if err := t.deadLetter(sub.ctx, m, md, cfg.QueueGroup); err != nil {
				log.Error("dead-letter failed; not acked", "seq", seq, "err", err)
				return
			}
			t.c.parked.Add(1)
			log.Error("event dead-lettered after its last delivery", "seq", seq, "deliveries", deliveries,
				"dead_letter_subject", DeadLetterPrefix+m.Subject(), "data", truncate(m.Data(), 256))
			ack = true
		}
		if ack {
			if err := m.Ack(); err != nil {
				log.Warn("ack", "seq", seq, "err", err)
			}
		}
	}
	cc, err := cons.Consume(handle,
		jetstream.PullMaxMessages(MaxInflight),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if t.nc.IsConnected() && !t.c.closing.Load() {
				log.Warn("jetstream consume", "consumer", name, "err", err)
			}
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("consume %s: %w", name, err)
	}
	return func() error { cc.Stop(); return nil }, nil
}

// deadLetter republishes m, with its headers and the Header* ones, on
// DeadLetterPrefix + its subject. The message id makes a retry store it
// once.
func (t *jsTransport) deadLetter(ctx context.Context, m jetstream.Msg, md *jetstream.MsgMetadata, queueGroup string) error {
	h := nats.Header{}
	for k, v := range m.Headers() {
		if !strings.HasPrefix(k, "Nats-") {
			h[k] = slices.Clone(v)
		}
	}
	h.Set(HeaderSubject, m.Subject())
	h.Set(HeaderSequence, strconv.FormatUint(md.Sequence.Stream, 10))
	h.Set(HeaderConsumer, md.Consumer)
	h.Set(HeaderQueueGroup, queueGroup)
	h.Set(HeaderDeliveries, strconv.FormatUint(md.NumDelivered, 10))
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := t.js.PublishMsg(ctx, &nats.Msg{Subject: DeadLetterPrefix + m.Subject(), Data: m.Data(), Header: h},
		jetstream.WithMsgID(fmt.Sprintf("%s-%d", md.Consumer, md.Sequence.Stream)),
		jetstream.WithExpectStream(DeadLetterStream))
	return err
}

func (t *jsTransport) close() error {
	t.lostMu.Lock()
	if t.lostTimer != nil {
		t.lostTimer.Stop()
	}
	t.lostMu.Unlock()
	var err error
	if t.nc.IsConnected() {
		// The acks of the last handled messages are on their way: make
		// sure the server has them, so a restart does not redeliver.
		err = t.nc.FlushTimeout(2 * time.Second)
	}
	t.nc.Close()
	return err
}
