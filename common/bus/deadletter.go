package bus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gittix/ticketing/common/events"
)

// DeadLetter is a message that a JetStream listener gave up on after its
// last delivery, kept in DeadLetterStream.
type DeadLetter struct {
	Seq        uint64         // in DeadLetterStream
	Time       time.Time      // when it was dead-lettered
	Subject    events.Subject // the original subject
	StreamSeq  uint64         // the original's sequence in StreamName
	Consumer   string         // the consumer that gave up
	QueueGroup string
	Deliveries int
	Data       []byte // the event's JSON body, unchanged

	header nats.Header
}

// ErrNoDeadLetters is returned by the dead-letter methods of a Conn on NATS
// Streaming, which keeps no dead letters: it logs and acks (parks) them.
var ErrNoDeadLetters = errors.New("dead letters are kept on jetstream only")

func (c *Conn) jetstream() (*jsTransport, error) {
	t, ok := c.t.(*jsTransport)
	if !ok {
		return nil, ErrNoDeadLetters
	}
	return t, nil
}

// DeadLetters returns the dead letters, oldest first, at most limit of them
// (0: all).
func (c *Conn) DeadLetters(ctx context.Context, limit int) ([]DeadLetter, error) {
	t, err := c.jetstream()
	if err != nil {
		return nil, err
	}
	s, err := t.js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", DeadLetterStream, err)
	}
	st := s.CachedInfo().State
	var out []DeadLetter
	for seq := st.FirstSeq; seq <= st.LastSeq && st.Msgs > 0 && (limit <= 0 || len(out) < limit); seq++ {
		dl, err := getDeadLetter(ctx, s, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // deleted
		}
		if err != nil {
			return out, err
		}
		out = append(out, dl)
	}
	return out, nil
}

// DeadLetter returns the dead letter seq.
func (c *Conn) DeadLetter(ctx context.Context, seq uint64) (DeadLetter, error) {
	t, err := c.jetstream()
	if err != nil {
		return DeadLetter{}, err
	}
	s, err := t.js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("stream %s: %w", DeadLetterStream, err)
	}
	return getDeadLetter(ctx, s, seq)
}

func getDeadLetter(ctx context.Context, s jetstream.Stream, seq uint64) (DeadLetter, error) {
	m, err := s.GetMsg(ctx, seq)
	if err != nil {
		return DeadLetter{}, fmt.Errorf("dead letter %d: %w", seq, err)
	}
	h := m.Header
	subject := h.Get(HeaderSubject)
	if subject == "" {
		subject = strings.TrimPrefix(m.Subject, DeadLetterPrefix)
	}
	streamSeq, _ := strconv.ParseUint(h.Get(HeaderSequence), 10, 64)
	deliveries, _ := strconv.Atoi(h.Get(HeaderDeliveries))
	return DeadLetter{
		Seq: m.Sequence, Time: m.Time, Subject: events.Subject(subject), StreamSeq: streamSeq,
		Consumer: h.Get(HeaderConsumer), QueueGroup: h.Get(HeaderQueueGroup), Deliveries: deliveries,
		Data: m.Data, header: h,
	}, nil
}

// ReplayDeadLetter publishes the dead letter seq again on its original
// subject, with its original headers, then deletes it. Every queue group
// that listens to the subject hears it again, not only the one that gave
// up (listeners are idempotent, SPEC §8). The replay's message id makes a
// repeated replay of the same dead letter within DuplicateWindow store one
// message.
func (c *Conn) ReplayDeadLetter(ctx context.Context, seq uint64) (DeadLetter, error) {
	t, err := c.jetstream()
	if err != nil {
		return DeadLetter{}, err
	}
	dl, err := c.DeadLetter(ctx, seq)
	if err != nil {
		return DeadLetter{}, err
	}
	h := nats.Header{}
	for k, v := range dl.header {
		if !strings.HasPrefix(k, "Gittix-") && !strings.HasPrefix(k, "Nats-") {
			h[k] = v
		}
	}
	id := fmt.Sprintf("deadletter-replay-%s-%d", dl.Consumer, dl.StreamSeq)
	if err := t.ensureSubjects(ctx, dl.Subject); err != nil {
		return dl, err
	}
	if _, err := t.js.PublishMsg(ctx, &nats.Msg{Subject: string(dl.Subject), Data: dl.Data, Header: h},
		jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName)); err != nil {
		return dl, fmt.Errorf("replay dead letter %d on %s: %w", seq, dl.Subject, err)
	}
	if err := c.DeleteDeadLetter(ctx, seq); err != nil {
		return dl, err
	}
	return dl, nil
}

// DeleteDeadLetter removes the dead letter seq.
func (c *Conn) DeleteDeadLetter(ctx context.Context, seq uint64) error {
	t, err := c.jetstream()
	if err != nil {
		return err
	}
	s, err := t.js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", DeadLetterStream, err)
	}
	if err := s.DeleteMsg(ctx, seq); err != nil {
		return fmt.Errorf("delete dead letter %d: %w", seq, err)
	}
	return nil
}
