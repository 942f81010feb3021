package bus_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	stand "github.com/nats-io/nats-streaming-server/server"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
)

var discard = slog.New(slog.DiscardHandler)

// startServer runs an embedded NATS Streaming server on 127.0.0.1:port
// (0: a free port) and returns its URL.
func startServer(t *testing.T, port int) (*stand.StanServer, string) {
	t.Helper()
	if port == 0 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	nOpts := stand.DefaultNatsServerOptions
	nOpts.Host, nOpts.Port = "127.0.0.1", port
	nOpts.NoLog, nOpts.NoSigs = true, true
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = "ticketing"
	s, err := stand.RunServerWithOpts(sOpts, &nOpts)
	if err != nil {
		t.Fatalf("start nats streaming: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s, fmt.Sprintf("nats://127.0.0.1:%d", port)
}

func connect(t *testing.T, url, id string, log *slog.Logger) *bus.Conn {
	t.Helper()
	c, err := bus.Connect(context.Background(), bus.Config{URL: url, ClientID: id, PingInterval: time.Second, PingMaxOut: 2}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func publish(t *testing.T, c *bus.Conn, e events.Event) {
	t.Helper()
	if err := bus.PublishEvent(context.Background(), c, e); err != nil {
		t.Fatal(err)
	}
}

func TestQueueGroupDeliversToOneMember(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, 0)
	var a, b atomic.Int32
	for i, n := range []*atomic.Int32{&a, &b} {
		c := connect(t, url, fmt.Sprintf("member-%d", i), discard)
		err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service"}, discard,
			func(context.Context, events.ExpirationComplete) error { n.Add(1); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	pub := connect(t, url, "publisher", discard)
	const n = 50
	for i := range n {
		publish(t, pub, events.ExpirationComplete{OrderID: fmt.Sprint(i)})
	}
	bustest.Eventually(t, "all delivered", func() bool { return a.Load()+b.Load() >= n })
	time.Sleep(200 * time.Millisecond) // let any duplicate arrive before counting
	if got := a.Load() + b.Load(); got != n {
		t.Errorf("deliveries = %d (%d + %d), want %d", got, a.Load(), b.Load(), n)
	}
}

func TestUnackedMessageIsRedelivered(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, 0)
	c := connect(t, url, "listener", discard)
	var calls atomic.Int32
	err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second}, discard,
		func(context.Context, events.ExpirationComplete) error {
			if calls.Add(1) == 1 {
				return errors.New("not yet")
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, connect(t, url, "publisher", discard), events.ExpirationComplete{OrderID: "o1"})
	bustest.Eventually(t, "redelivery", func() bool { return calls.Load() >= 2 })
	time.Sleep(1500 * time.Millisecond) // past another ack wait: acked now, so no third delivery
	if got := calls.Load(); got != 2 {
		t.Errorf("deliveries = %d, want 2", got)
	}
}

func TestDurableSubscriberGetsOnlyWhatItMissed(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, 0)
	pub := connect(t, url, "publisher", discard)

	var mu sync.Mutex
	var seen []string
	handler := func(_ context.Context, e events.ExpirationComplete) error {
		mu.Lock()
		seen = append(seen, e.OrderID)
		mu.Unlock()
		return nil
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }

	c1, err := bus.Connect(context.Background(), bus.Config{URL: url, ClientID: "svc-1"}, discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Listen(c1, bus.ListenerConfig{QueueGroup: "orders-service"}, discard, handler); err != nil {
		t.Fatal(err)
	}
	publish(t, pub, events.ExpirationComplete{OrderID: "before"})
	bustest.Eventually(t, "first delivery", func() bool { return count() == 1 })
	c1.Close() // a restart: closed, not unsubscribed

	publish(t, pub, events.ExpirationComplete{OrderID: "missed-1"})
	publish(t, pub, events.ExpirationComplete{OrderID: "missed-2"})

	c2 := connect(t, url, "svc-2", discard)
	if err := bus.Listen(c2, bus.ListenerConfig{QueueGroup: "orders-service"}, discard, handler); err != nil {
		t.Fatal(err)
	}
	bustest.Eventually(t, "missed deliveries", func() bool { return count() >= 3 })
	time.Sleep(200 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if got, want := strings.Join(seen, ","), "before,missed-1,missed-2"; got != want {
		t.Errorf("seen = %s, want %s", got, want)
	}
}

func TestPoisonMessageIsAckedAndLogged(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, 0)
	var logs safeBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	c := connect(t, url, "listener", log)
	var good atomic.Int32
	err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second}, log,
		func(context.Context, events.ExpirationComplete) error { good.Add(1); return nil })
	if err != nil {
		t.Fatal(err)
	}
	pub := connect(t, url, "publisher", discard)
	if err := pub.Publish(context.Background(), events.SubjectExpirationComplete, []byte(`{"orderId":`)); err != nil {
		t.Fatal(err)
	}
	publish(t, pub, events.ExpirationComplete{OrderID: "ok"})
	bustest.Eventually(t, "good message", func() bool { return good.Load() == 1 })
	time.Sleep(1500 * time.Millisecond) // an unacked poison message would come again now
	if got := strings.Count(logs.String(), "poison message acked"); got != 1 {
		t.Errorf("poison log lines = %d, want 1; logs:\n%s", got, logs.String())
	}
}

func TestPublishFailsWhenNATSIsDown(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, 0)
	c := connect(t, url, "publisher", discard)
	s.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	err := bus.PublishEvent(ctx, c, events.ExpirationComplete{OrderID: "o1"})
	if err == nil {
		t.Fatal("publish succeeded with the server down")
	}
	if !strings.Contains(err.Error(), "publish expiration:complete") {
		t.Errorf("error %q does not name the subject", err)
	}
}

func TestLostConnectionIsSurfaced(t *testing.T) {
	t.Parallel()
	s, url := startServer(t, 0)
	c := connect(t, url, "deaf", discard)
	s.Shutdown()
	select {
	case err := <-c.Lost():
		if !errors.Is(err, bus.ErrConnLost) {
			t.Errorf("lost error = %v, want ErrConnLost", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("connection loss not reported within 15s")
	}
	if err := c.Ping(context.Background()); err == nil {
		t.Error("Ping succeeded after the server went away")
	}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *safeBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
