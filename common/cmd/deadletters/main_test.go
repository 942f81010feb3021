package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
)

func TestListShowReplayDelete(t *testing.T) {
	t.Parallel()
	s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	cfg := bus.Config{Transport: bus.TransportJetStream, URL: s.ClientURL()}
	c := bustest.Dial(t, cfg)
	var fixed atomic.Bool
	var handled atomic.Int32
	err = bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second, MaxDeliveries: 1},
		slog.New(slog.DiscardHandler), func(context.Context, events.ExpirationComplete) error {
			if !fixed.Load() {
				return errors.New("bug")
			}
			handled.Add(1)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"o1", "o2", "o3"} {
		if err := bus.PublishEvent(t.Context(), c, events.ExpirationComplete{OrderID: id}); err != nil {
			t.Fatal(err)
		}
	}
	bustest.Eventually(t, "three dead letters", func() bool { return c.Parked() == 3 })

	getenv := func(k string) string {
		if k == "NATS_URL" {
			return s.ClientURL()
		}
		return ""
	}
	cmd := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(t.Context(), args, getenv, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	got := cmd("list")
	for _, want := range []string{"1\t", "expiration:complete\tseq=1\tgroup=orders-service\tdeliveries=1\t{\"orderId\":\"o1\"}", "3 dead letter(s)"} {
		if !strings.Contains(got, want) {
			t.Errorf("list lacks %q:\n%s", want, got)
		}
	}
	if got := cmd("list", "-json", "-limit", "1"); strings.Count(got, "\n") != 1 || !strings.Contains(got, `"data":{"orderId":"o1"}`) {
		t.Errorf("list -json -limit 1 =\n%s", got)
	}
	if got := cmd("show", "2"); !strings.Contains(got, `"consumer": "orders-service_expiration_complete"`) {
		t.Errorf("show 2 =\n%s", got)
	}
	fixed.Store(true)
	if got := cmd("replay", "1"); got != "replayed 1 on expiration:complete\n" {
		t.Errorf("replay 1 = %q", got)
	}
	bustest.Eventually(t, "the replay handled", func() bool { return handled.Load() == 1 })
	if got := cmd("delete", "-all"); got != "deleted 2\ndeleted 3\n" {
		t.Errorf("delete -all = %q", got)
	}
	if got := cmd("list"); got != "0 dead letter(s)\n" {
		t.Errorf("list after = %q", got)
	}
	for _, args := range [][]string{nil, {"replay"}, {"replay", "-all", "1"}, {"show", "x"}, {"frobnicate"}} {
		if err := run(t.Context(), args, getenv, &bytes.Buffer{}); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}
