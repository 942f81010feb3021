package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

// TestJetStream: with BUS=jetstream the stack runs nats-server with
// JetStream (on the data dir's file store), says so in its environment,
// and a service's bus connection publishes and hears events through it.
func TestJetStream(t *testing.T) {
	t.Parallel()
	s := start(t, stack.Config{DataDir: t.TempDir(), Getenv: func(k string) string {
		if k == stack.EnvBus {
			return stack.BusJetStream
		}
		return ""
	}, LookPath: noRedisServer})
	t.Cleanup(func() { s.Stop() })
	env := s.Env()
	if got := env[stack.EnvBus]; got != stack.BusJetStream {
		t.Fatalf("BUS = %q, want %q", got, stack.BusJetStream)
	}
	svc, err := stack.ServiceEnv(env, "orders-dev", 3000, "orders")
	if err != nil {
		t.Fatal(err)
	}
	if svc["BUS"] != stack.BusJetStream || svc["NATS_URL"] != env[stack.EnvNATSURL] {
		t.Errorf("service env = %v, want BUS and NATS_URL of the stack", svc)
	}

	conn := bustest.Dial(t, bus.Config{Transport: bus.TransportJetStream, URL: env[stack.EnvNATSURL]})
	got := make(chan string, 1)
	err = bus.Listen(conn, bus.ListenerConfig{QueueGroup: "stack-test"}, discard, func(_ context.Context, e events.ExpirationComplete) error {
		got <- e.OrderID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.PublishEvent(t.Context(), conn, events.ExpirationComplete{OrderID: "o1"}); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-got:
		if id != "o1" {
			t.Errorf("heard %q, want o1", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("event not heard within 10s")
	}
}

// TestUnknownBus: a BUS the stack does not know stops it, naming the value.
func TestUnknownBus(t *testing.T) {
	t.Parallel()
	_, err := stack.Start(t.Context(), stack.Config{Getenv: func(k string) string {
		if k == stack.EnvBus {
			return "kafka"
		}
		return ""
	}, LookPath: noRedisServer}, discard)
	if err == nil {
		t.Fatal("Start with BUS=kafka succeeded")
	}
}
