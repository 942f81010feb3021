package bustest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
)

// Connect opens a real connection to NATS Streaming for a test, closed in
// t.Cleanup.
func Connect(t testing.TB, url, clusterID string) *bus.Conn {
	t.Helper()
	c, err := bus.Connect(context.Background(), bus.Config{URL: url, ClusterID: clusterID, ClientID: "test-" + randomHex()}, discard)
	if err != nil {
		t.Fatalf("connect nats streaming: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Recorder collects the events of one subject seen on a real channel.
type Recorder[E events.Event] struct {
	mu   sync.Mutex
	seen []E
}

// Record subscribes, under a fresh queue group of its own, to the subject
// of E from the start of the channel. The channel holds other tests' events
// too: filter what Wait returns.
func Record[E events.Event](t testing.TB, c *bus.Conn) *Recorder[E] {
	t.Helper()
	r := &Recorder[E]{}
	err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "test-" + randomHex(), AckWait: time.Second}, discard,
		func(_ context.Context, e E) error {
			r.mu.Lock()
			r.seen = append(r.seen, e)
			r.mu.Unlock()
			return nil
		})
	if err != nil {
		t.Fatalf("record %s: %v", events.SubjectOf[E](), err)
	}
	return r
}

// All returns the events recorded so far that match keep.
func (r *Recorder[E]) All(keep func(E) bool) []E {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []E
	for _, e := range r.seen {
		if keep(e) {
			out = append(out, e)
		}
	}
	return slices.Clip(out)
}

// Wait polls until at least n recorded events match keep, or fails the
// test after 10 s. It returns the matching events.
func (r *Recorder[E]) Wait(t testing.TB, n int, keep func(E) bool) []E {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := r.All(keep)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %d %s event(s), got %d: %+v", n, events.SubjectOf[E](), len(got), got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var discard = slog.New(slog.DiscardHandler)

func randomHex() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Eventually polls cond every 10 ms until it is true, or fails the test
// after 10 s with msg.
func Eventually(t testing.TB, msg string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(fmt.Sprintf("timed out after 10s: %s", msg))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Dial opens a real connection with cfg (as testenv.Bus returns it) for a
// test, closed in t.Cleanup. An empty ClientID gets a random one.
func Dial(t testing.TB, cfg bus.Config) *bus.Conn {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = "test-" + randomHex()
	}
	c, err := bus.Connect(context.Background(), cfg, discard)
	if err != nil {
		t.Fatalf("connect %s: %v", cfg.Transport, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
