package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
)

var discard = slog.New(slog.DiscardHandler)

// A transport of the conformance suite: every test of this file and of
// failure_test.go runs once per transport, against a server of its own.
type transport struct {
	name  string
	start func(t *testing.T) *testServer
}

var transports = []transport{
	{bus.TransportStan, startStan},
	{bus.TransportJetStream, startJetStream},
}

// testServer is a running embedded broker.
type testServer struct {
	transport string
	url       string
	shutdown  func()
}

// eachTransport runs test once per transport, in parallel subtests named
// after the transport.
func eachTransport(t *testing.T, test func(t *testing.T, tr transport)) {
	t.Helper()
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			t.Parallel()
			test(t, tr)
		})
	}
}

// startStan runs an embedded NATS Streaming server (memory store) on a
// free 127.0.0.1 port.
func startStan(t *testing.T) *testServer {
	t.Helper()
	s, url := testenv.StartNATS(t)
	return &testServer{transport: bus.TransportStan, url: url, shutdown: s.Shutdown}
}

// startJetStream runs an embedded nats-server with JetStream on a file
// store in a temporary directory, on a free 127.0.0.1 port.
func startJetStream(t *testing.T) *testServer {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir(),
	})
	if err != nil {
		t.Fatalf("start nats-server: %v", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready in 10s")
	}
	stop := func() { s.Shutdown(); s.WaitForShutdown() }
	t.Cleanup(stop)
	return &testServer{transport: bus.TransportJetStream, url: s.ClientURL(), shutdown: stop}
}

func connect(t *testing.T, srv *testServer, id string, log *slog.Logger) *bus.Conn {
	t.Helper()
	c, err := bus.Connect(context.Background(), bus.Config{
		Transport: srv.transport, URL: srv.url, ClientID: id, PingInterval: time.Second, PingMaxOut: 2,
	}, log)
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
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		var a, b atomic.Int32
		for i, n := range []*atomic.Int32{&a, &b} {
			c := connect(t, srv, fmt.Sprintf("member-%d", i), discard)
			err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service"}, discard,
				func(context.Context, events.ExpirationComplete) error { n.Add(1); return nil })
			if err != nil {
				t.Fatal(err)
			}
		}
		pub := connect(t, srv, "publisher", discard)
		const n = 50
		for i := range n {
			publish(t, pub, events.ExpirationComplete{OrderID: fmt.Sprint(i)})
		}
		bustest.Eventually(t, "all delivered", func() bool { return a.Load()+b.Load() >= n })
		time.Sleep(200 * time.Millisecond) // let any duplicate arrive before counting
		if got := a.Load() + b.Load(); got != n {
			t.Errorf("deliveries = %d (%d + %d), want %d", got, a.Load(), b.Load(), n)
		}
	})
}

func TestUnackedMessageIsRedelivered(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c := connect(t, srv, "listener", discard)
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
		publish(t, connect(t, srv, "publisher", discard), events.ExpirationComplete{OrderID: "o1"})
		bustest.Eventually(t, "redelivery", func() bool { return calls.Load() >= 2 })
		time.Sleep(1500 * time.Millisecond) // past another ack wait: acked now, so no third delivery
		if got := calls.Load(); got != 2 {
			t.Errorf("deliveries = %d, want 2", got)
		}
	})
}

func TestDurableSubscriberGetsOnlyWhatItMissed(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		pub := connect(t, srv, "publisher", discard)

		var mu sync.Mutex
		var seen []string
		handler := func(_ context.Context, e events.ExpirationComplete) error {
			mu.Lock()
			seen = append(seen, e.OrderID)
			mu.Unlock()
			return nil
		}
		count := func() int { mu.Lock(); defer mu.Unlock(); return len(seen) }

		c1, err := bus.Connect(context.Background(), bus.Config{Transport: srv.transport, URL: srv.url, ClientID: "svc-1"}, discard)
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

		c2 := connect(t, srv, "svc-2", discard)
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
	})
}

func TestPoisonMessageIsAckedAndLogged(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c, log, logs := connectLogged(t, srv, "listener")
		var good atomic.Int32
		err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second}, log,
			func(context.Context, events.ExpirationComplete) error { good.Add(1); return nil })
		if err != nil {
			t.Fatal(err)
		}
		pub := connect(t, srv, "publisher", discard)
		if err := pub.Publish(context.Background(), events.SubjectExpirationComplete, []byte(`{"orderId":`)); err != nil {
			t.Fatal(err)
		}
		publish(t, pub, events.ExpirationComplete{OrderID: "ok"})
		bustest.Eventually(t, "good message", func() bool { return good.Load() == 1 })
		time.Sleep(1500 * time.Millisecond) // an unacked poison message would come again now
		if got := strings.Count(logs.String(), "poison message acked"); got != 1 {
			t.Errorf("poison log lines = %d, want 1; logs:\n%s", got, logs.String())
		}
	})
}

func TestPublishFailsWhenNATSIsDown(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c := connect(t, srv, "publisher", discard)
		srv.shutdown()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err := bus.PublishEvent(ctx, c, events.ExpirationComplete{OrderID: "o1"})
		if err == nil {
			t.Fatal("publish succeeded with the server down")
		}
		if !strings.Contains(err.Error(), "publish expiration:complete") {
			t.Errorf("error %q does not name the subject", err)
		}
	})
}

func TestLostConnectionIsSurfaced(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c := connect(t, srv, "deaf", discard)
		srv.shutdown()
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
	})
}

// safeBuffer collects log output from many goroutines.
type safeBuffer = testenv.LogBuffer

// connectLogged connects to srv as clientID with a logger whose lines the
// test can read; it returns the connection and the logger for listeners.
func connectLogged(t *testing.T, srv *testServer, clientID string) (*bus.Conn, *slog.Logger, *safeBuffer) {
	t.Helper()
	logs := &safeBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	return connect(t, srv, clientID, log), log, logs
}

// TestOneMemberHearsASubjectInOrder: with one member and no failure, a
// subject's messages are handled one at a time, in publish order.
func TestOneMemberHearsASubjectInOrder(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c := connect(t, srv, "listener", discard)
		var mu sync.Mutex
		var seen []string
		var running atomic.Int32
		err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service"}, discard,
			func(_ context.Context, e events.ExpirationComplete) error {
				if running.Add(1) > 1 {
					t.Error("two handlers ran at once")
				}
				defer running.Add(-1)
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, e.OrderID)
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		pub := connect(t, srv, "publisher", discard)
		const n = 100
		var want []string
		for i := range n {
			want = append(want, fmt.Sprint(i))
			publish(t, pub, events.ExpirationComplete{OrderID: fmt.Sprint(i)})
		}
		bustest.Eventually(t, "all delivered", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) >= n })
		mu.Lock()
		defer mu.Unlock()
		if got := strings.Join(seen, ","); got != strings.Join(want, ",") {
			t.Errorf("order = %s", got)
		}
	})
}
