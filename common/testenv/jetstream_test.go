package testenv

import (
	"context"
	"testing"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
)

func TestBusDefaultsToNATSStreaming(t *testing.T) {
	t.Setenv("BUS", "")
	t.Setenv("NATS_URL", "nats://127.0.0.1:4299")
	t.Setenv("NATS_CLUSTER_ID", "other")
	got := Bus(t)
	if want := (bus.Config{Transport: bus.TransportStan, URL: "nats://127.0.0.1:4299", ClusterID: "other"}); got != want {
		t.Errorf("Bus = %+v, want %+v", got, want)
	}
	t.Setenv("BUS", "jetstream")
	if got, want := Bus(t), (bus.Config{Transport: bus.TransportJetStream, URL: "nats://127.0.0.1:4299"}); got != want {
		t.Errorf("Bus with BUS=jetstream and NATS_URL = %+v, want %+v", got, want)
	}
}

// TestBusEmbedsJetStream: with BUS=jetstream and no NATS_URL, the test
// binary gets a JetStream server of its own, and events flow through it.
func TestBusEmbedsJetStream(t *testing.T) {
	t.Setenv("BUS", "jetstream")
	t.Setenv("NATS_URL", "")
	cfg := Bus(t)
	if cfg.Transport != bus.TransportJetStream || cfg.URL == "" {
		t.Fatalf("Bus = %+v, want an embedded jetstream server", cfg)
	}
	if again := Bus(t); again.URL != cfg.URL {
		t.Errorf("second Bus URL = %q, want the same server %q", again.URL, cfg.URL)
	}
	c := bustest.Dial(t, cfg)
	rec := bustest.Record[events.ExpirationComplete](t, c)
	if err := bus.PublishEvent(context.Background(), c, events.ExpirationComplete{OrderID: "o-testenv"}); err != nil {
		t.Fatal(err)
	}
	rec.Wait(t, 1, func(e events.ExpirationComplete) bool { return e.OrderID == "o-testenv" })
}
