package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/notifications/internal/notify"
	"github.com/gittix/ticketing/notifications/internal/notify/notifytest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	svc    *notify.Service
	store  *notifytest.Store
	sender *notifytest.Sender
	clock  *clock
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := &notifytest.Store{}
	snd := &notifytest.Sender{}
	clk := &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	svc := &notify.Service{
		Users: st, Tickets: st, Orders: st, Outbox: st, Sender: snd, Composer: notifytest.Composer{},
		Log: discard, MessageIDDomain: "gittix.test", SendTimeout: 5 * time.Second, Now: clk.Now,
	}
	return fixture{svc: svc, store: st, sender: snd, clock: clk}
}

// seed replicates a buyer, a ticket and an order expiring at expiresAt.
func (f fixture) seed(t *testing.T, orderID string, expiresAt time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.UserCreated(ctx, notify.User{ID: "u1", Email: "buyer@example.test", Version: 0}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.TicketChanged(ctx, notify.Ticket{ID: "t1", Title: "Concert", Price: 20, Version: 0}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.OrderCreated(ctx, notify.Order{ID: orderID, UserID: "u1", TicketID: "t1", Price: 20, ExpiresAt: expiresAt}); err != nil {
		t.Fatal(err)
	}
}

func TestReceiptOnceUnderRedelivery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seed(t, "o1", f.clock.Now().Add(15*time.Minute))
	ctx := context.Background()
	for range 5 {
		if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
			t.Fatalf("PaymentCreated: %v", err)
		}
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
				t.Errorf("PaymentCreated: %v", err)
			}
		})
	}
	wg.Wait()
	f.clock.Add(time.Hour)
	f.svc.RetryDue(ctx)

	sent := f.sender.Sent()
	if len(sent) != 1 {
		t.Fatalf("sent %d mails, want 1: %+v", len(sent), sent)
	}
	m := sent[0]
	if m.To != "buyer@example.test" || m.Kind != notify.KindReceipt || m.MessageID != "o1.receipt@gittix.test" {
		t.Errorf("sent %+v", m)
	}
	got, err := f.store.Get(ctx, notify.Key("o1", notify.KindReceipt))
	if err != nil || got.State != notify.StateSent || got.Token != "" {
		t.Errorf("sent-log = %+v, %v; want sent, unclaimed", got, err)
	}
}

func TestMissingReplicaIsNotAcked(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.PaymentCreated(ctx, "o1"); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("payment before its order: err = %v, want ErrNotFound", err)
	}
	if err := f.svc.OrderCreated(ctx, notify.Order{ID: "o1", UserID: "u1", TicketID: "t1", Price: 20}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PaymentCreated(ctx, "o1"); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("payment before its buyer: err = %v, want ErrNotFound", err)
	}
	if err := f.svc.UserCreated(ctx, notify.User{ID: "u1", Email: "buyer@example.test"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PaymentCreated(ctx, "o1"); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("payment before its ticket: err = %v, want ErrNotFound", err)
	}
	if n := len(f.sender.Sent()); n != 0 {
		t.Fatalf("sent %d mails before the replicas were complete", n)
	}
	if err := f.svc.TicketChanged(ctx, notify.Ticket{ID: "t1", Title: "Concert"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
		t.Fatalf("redelivered payment: %v", err)
	}
	if sent := f.sender.Sent(); len(sent) != 1 || sent[0].Subject != "receipt" {
		t.Fatalf("sent %+v, want one receipt", sent)
	}
}

func TestFailedSendIsRetriedWithBackoffAndNotDuplicated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.Fail = func(n int, _ notify.Mail) error {
		if n <= 2 {
			return errors.New("421 try again later")
		}
		return nil
	}
	f.seed(t, "o1", f.clock.Now().Add(15*time.Minute))
	ctx := context.Background()
	if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
		t.Fatalf("a failed send must not fail the event (it is recorded): %v", err)
	}
	m, _ := f.store.Get(ctx, notify.Key("o1", notify.KindReceipt))
	if m.State != notify.StatePending || m.Attempts != 1 || m.Token != "" || !m.Due.Equal(f.clock.Now().Add(5*time.Second)) {
		t.Fatalf("after one failure: %+v, want pending, 1 attempt, due in 5s", m)
	}
	f.clock.Add(4 * time.Second)
	f.svc.RetryDue(ctx)
	if n := f.sender.Attempts(); n != 1 {
		t.Fatalf("retried before its backoff: %d attempts", n)
	}
	f.clock.Add(time.Second)
	f.svc.RetryDue(ctx) // second failure: next in 10 s
	if n := f.sender.Attempts(); n != 2 {
		t.Fatalf("attempts = %d, want 2", n)
	}
	f.clock.Add(9 * time.Second)
	f.svc.RetryDue(ctx)
	if n := f.sender.Attempts(); n != 2 {
		t.Fatalf("retried before its doubled backoff: %d attempts", n)
	}
	f.clock.Add(time.Second)
	f.svc.RetryDue(ctx)
	for range 3 {
		f.clock.Add(time.Hour)
		f.svc.RetryDue(ctx)
		if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
			t.Fatal(err)
		}
	}
	if sent := f.sender.Sent(); len(sent) != 1 || f.sender.Attempts() != 3 {
		t.Fatalf("sent %d in %d attempts, want 1 in 3", len(sent), f.sender.Attempts())
	}
}

func TestCrashMidSendIsRetriedAfterTheLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.seed(t, "o1", f.clock.Now().Add(15*time.Minute))
	ctx := context.Background()
	// A process recorded and claimed the mail, then died before sending.
	now := f.clock.Now()
	lease := 20 * time.Second // 2 × SendTimeout + 10 s
	if err := f.store.Add(ctx, notify.Mail{OrderID: "o1", Kind: notify.KindReceipt, To: "buyer@example.test",
		State: notify.StatePending, Token: "dead", Due: now.Add(lease), CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.PaymentCreated(ctx, "o1"); err != nil { // the redelivery
		t.Fatal(err)
	}
	f.svc.RetryDue(ctx)
	if n := f.sender.Attempts(); n != 0 {
		t.Fatalf("sent while another holder's claim runs: %d", n)
	}
	f.clock.Add(lease)
	var wg sync.WaitGroup
	for range 8 { // several workers (pods) at once
		wg.Go(func() { f.svc.RetryDue(ctx) })
	}
	wg.Wait()
	if n := len(f.sender.Sent()); n != 1 {
		t.Fatalf("sent %d after the lease, want 1", n)
	}
}

func TestPermanentFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sender.Fail = func(int, notify.Mail) error { return errors.Join(errors.New("550 no such user"), notify.ErrPermanent) }
	f.seed(t, "o1", f.clock.Now().Add(15*time.Minute))
	ctx := context.Background()
	if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	f.svc.RetryDue(ctx)
	m, _ := f.store.Get(ctx, notify.Key("o1", notify.KindReceipt))
	if m.State != notify.StateFailed || f.sender.Attempts() != 1 {
		t.Fatalf("mail %+v after %d attempts, want failed after 1", m, f.sender.Attempts())
	}
}

func TestMaxAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.MaxAttempts = 3
	f.sender.Fail = func(int, notify.Mail) error { return errors.New("connection refused") }
	f.seed(t, "o1", f.clock.Now().Add(15*time.Minute))
	ctx := context.Background()
	if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		f.clock.Add(time.Hour)
		f.svc.RetryDue(ctx)
	}
	m, _ := f.store.Get(ctx, notify.Key("o1", notify.KindReceipt))
	if m.State != notify.StateFailed || m.Attempts != 3 || f.sender.Attempts() != 3 {
		t.Fatalf("mail %+v after %d attempts, want failed after 3", m, f.sender.Attempts())
	}
}

func TestExpiredEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("cancelled by its expiry", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.seed(t, "o1", f.clock.Now().Add(-time.Second))
		for range 3 {
			if err := f.svc.OrderCancelled(ctx, "o1", 1); err != nil {
				t.Fatal(err)
			}
		}
		if sent := f.sender.Sent(); len(sent) != 1 || sent[0].Kind != notify.KindExpired || sent[0].MessageID != "o1.expired@gittix.test" {
			t.Fatalf("sent %+v, want one expired mail", sent)
		}
	})
	t.Run("cancelled by the buyer, redelivered after the expiry", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.seed(t, "o1", f.clock.Now().Add(time.Minute))
		if err := f.svc.OrderCancelled(ctx, "o1", 1); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		if err := f.svc.OrderCancelled(ctx, "o1", 1); err != nil {
			t.Fatal(err)
		}
		if n := f.sender.Attempts(); n != 0 {
			t.Fatalf("sent %d mails for an order its buyer cancelled", n)
		}
	})
	t.Run("paid", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.seed(t, "o1", f.clock.Now().Add(-time.Second))
		if err := f.svc.PaymentCreated(ctx, "o1"); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.OrderCancelled(ctx, "o1", 1); err != nil {
			t.Fatal(err)
		}
		if sent := f.sender.Sent(); len(sent) != 1 || sent[0].Kind != notify.KindReceipt {
			t.Fatalf("sent %+v, want only the receipt", sent)
		}
	})
	t.Run("before its order:created", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if err := f.svc.OrderCancelled(ctx, "o1", 1); !errors.Is(err, notify.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound (not acked)", err)
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{{1, 5 * time.Second}, {2, 10 * time.Second}, {5, 80 * time.Second}, {10, 30 * time.Minute}, {100, 30 * time.Minute}} {
		if got := notify.DefaultBackoff(tc.n); got != tc.want {
			t.Errorf("DefaultBackoff(%d) = %v, want %v", tc.n, got, tc.want)
		}
	}
}
