//go:build integration

package storm_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
)

// broker stands in for NATS Streaming between the services. Every
// published event becomes one pending message per queue group that
// listens to its subject. deliver hands a pending message, picked at
// random (so in any order, across and within channels), to its group's
// handler, and keeps it pending unless the handler acked it, as NATS
// redelivers an unacked message after its ack wait. An acked message is
// sometimes kept as well (an ack lost on the way), and a published event
// is sometimes published twice (a relay that died between the publish and
// the removal from its outbox): duplicates of both kinds.
//
// It runs everything on the caller's goroutine, and every choice comes
// from rng: a seed replays the same storm.
type broker struct {
	rng  *rand.Rand
	log  *slog.Logger
	subs map[events.Subject][]subscriber

	pending []message
	seq     uint64

	dupAck     float64 // chance that an acked message comes again
	dupPublish float64 // chance that an event is published twice

	stats stats
}

type stats struct {
	published    int // events published by the services' outboxes
	republished  int // of which published a second time
	deliveries   int // handler calls
	unacked      int // deliveries not acked (the message came again)
	ackedAgain   int // acked messages delivered once more (duplicates)
	maxRedeliver int // most deliveries of one message
}

// subscriber is a queue group's handler of one subject. after runs after
// every delivery, acked or not: the services' outbox relay (see
// world.relay).
type subscriber struct {
	group  string
	handle func(ctx context.Context, m message) bool
	after  func(data []byte)
}

type message struct {
	subject     events.Subject
	data        []byte
	seq         uint64
	sub         subscriber
	redelivered bool
	attempts    int
}

// listen subscribes a queue group's declared listeners (a service's
// app.Parts.Listeners); after names, by subject, what runs after each
// delivery (nil: nothing).
func listen(b *broker, group string, subs []bus.Subscription, after map[events.Subject]func(data []byte)) {
	for _, s := range subs {
		log := b.log.With("subject", string(s.Subject), "queue_group", group)
		b.subs[s.Subject] = append(b.subs[s.Subject], subscriber{
			group: group,
			handle: func(ctx context.Context, m message) bool {
				return s.Dispatch(ctx, log, m.data, m.seq, m.redelivered, 5*time.Second)
			},
			after: after[s.Subject],
		})
	}
}

// publish queues an event for every group that listens to its subject.
func (b *broker) publish(subject events.Subject, data []byte) {
	copies := 1
	if b.rng.Float64() < b.dupPublish {
		copies = 2
		b.stats.republished++
	}
	b.stats.published++
	for range copies {
		b.seq++
		for i := range b.subs[subject] {
			b.pending = append(b.pending, message{subject: subject, data: data, seq: b.seq, sub: b.subs[subject][i]})
		}
	}
}

// deliver delivers one pending message, at random, and reports whether
// it was acked. It reports false, doing nothing, when none is pending.
func (b *broker) deliver(ctx context.Context) (acked bool) {
	if len(b.pending) == 0 {
		return false
	}
	i := b.rng.IntN(len(b.pending))
	m := b.pending[i]
	m.attempts++
	b.stats.deliveries++
	b.stats.maxRedeliver = max(b.stats.maxRedeliver, m.attempts)
	acked = m.sub.handle(ctx, m)
	if acked && b.rng.Float64() >= b.dupAck {
		b.pending[i] = b.pending[len(b.pending)-1]
		b.pending = b.pending[:len(b.pending)-1]
	} else {
		if acked {
			b.stats.ackedAgain++
		} else {
			b.stats.unacked++
		}
		m.redelivered = true
		b.pending[i] = m
	}
	if m.sub.after != nil {
		m.sub.after(m.data)
	}
	return acked
}
