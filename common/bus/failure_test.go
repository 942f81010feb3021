package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
)

// TestDroppedEventIsAckedAndLogged: a handler that returns ErrDrop gets
// the message once, and the reason is logged.
func TestDroppedEventIsAckedAndLogged(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c, log, logs := connectLogged(t, srv, "listener")
		var calls atomic.Int32
		err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second}, log,
			func(_ context.Context, e events.ExpirationComplete) error {
				calls.Add(1)
				return fmt.Errorf("unknown order %s: %w", e.OrderID, bus.ErrDrop)
			})
		if err != nil {
			t.Fatal(err)
		}
		publish(t, connect(t, srv, "publisher", discard), events.ExpirationComplete{OrderID: "o-missing"})
		bustest.Eventually(t, "delivery", func() bool { return calls.Load() == 1 })
		time.Sleep(1500 * time.Millisecond) // an unacked message would come again now
		if got := calls.Load(); got != 1 {
			t.Errorf("deliveries = %d, want 1", got)
		}
		if got := logs.String(); !strings.Contains(got, "event dropped") || !strings.Contains(got, "o-missing") {
			t.Errorf("logs do not tell the drop and its reason:\n%s", got)
		}
	})
}

// TestHandlerPanicIsRecoveredAndRedelivered: a panicking handler neither
// kills the process nor loses the message.
func TestHandlerPanicIsRecoveredAndRedelivered(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c, log, logs := connectLogged(t, srv, "listener")
		var calls atomic.Int32
		err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second}, log,
			func(context.Context, events.ExpirationComplete) error {
				if calls.Add(1) == 1 {
					var m map[string]int
					m["boom"]++ // nil map: panics
				}
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		publish(t, connect(t, srv, "publisher", discard), events.ExpirationComplete{OrderID: "o1"})
		bustest.Eventually(t, "redelivery after the panic", func() bool { return calls.Load() >= 2 })
		got := logs.String()
		for _, want := range []string{"event handler panicked", "subject=expiration:complete", "seq=1", "assignment to entry in nil map"} {
			if !strings.Contains(got, want) {
				t.Errorf("logs lack %q:\n%s", want, got)
			}
		}
	})
}

// TestPoisonMessagesDoNotStallTheSubscription: more never-handled messages
// than a subscription holds unacked at once are parked after their last
// delivery, and a good message behind them is handled.
func TestPoisonMessagesDoNotStallTheSubscription(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c := connect(t, srv, "listener", discard)
		var good atomic.Int32
		err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second, MaxDeliveries: 2}, discard,
			func(_ context.Context, e events.ExpirationComplete) error {
				if e.OrderID == "good" {
					good.Add(1)
					return nil
				}
				return errors.New("can never be handled")
			})
		if err != nil {
			t.Fatal(err)
		}
		pub := connect(t, srv, "publisher", discard)
		const bad = bus.MaxInflight + 6
		for i := range bad {
			publish(t, pub, events.ExpirationComplete{OrderID: fmt.Sprint("bad-", i)})
		}
		publish(t, pub, events.ExpirationComplete{OrderID: "good"})
		bustest.Eventually(t, "the good message handled behind the poison", func() bool { return good.Load() == 1 })
		bustest.Eventually(t, "every poison message parked", func() bool { return c.Parked() == bad })
	})
}
