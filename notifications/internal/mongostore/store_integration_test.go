//go:build integration

package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/notifications/internal/mongostore"
	"github.com/gittix/ticketing/notifications/internal/notify"
)

func newStore(t *testing.T) *mongostore.Store {
	t.Helper()
	s, err := mongostore.New(context.Background(), testenv.Mongo(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	for _, u := range []notify.User{{ID: "u1", Email: "new@example.test", Version: 2}, {ID: "u1", Email: "old@example.test", Version: 1}} {
		if err := s.PutUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	if u, err := s.User(ctx, "u1"); err != nil || u.Email != "new@example.test" {
		t.Errorf("user = %+v, %v; want the newest version kept", u, err)
	}
	for _, tk := range []notify.Ticket{{ID: "t1", Title: "A", Version: 0}, {ID: "t1", Title: "B", Version: 1}, {ID: "t1", Title: "A", Version: 0}} {
		if err := s.PutTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	if tk, err := s.Ticket(ctx, "t1"); err != nil || tk.Title != "B" || tk.Version != 1 {
		t.Errorf("ticket = %+v, %v", tk, err)
	}
	if _, err := s.User(ctx, "nobody"); !errors.Is(err, notify.ErrNotFound) {
		t.Errorf("missing user: %v", err)
	}

	exp := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	o := notify.Order{ID: "o1", UserID: "u1", TicketID: "t1", Price: 12.5, ExpiresAt: exp}
	if err := s.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOrder(ctx, o); !errors.Is(err, notify.ErrDuplicate) {
		t.Errorf("second CreateOrder: %v", err)
	}
	if _, err := s.CancelOrder(ctx, "o2", 1, exp); !errors.Is(err, notify.ErrNotFound) {
		t.Errorf("cancel of a missing order: %v", err)
	}
	first := exp.Add(time.Second)
	if _, err := s.CancelOrder(ctx, "o1", 1, first); err != nil {
		t.Fatal(err)
	}
	got, err := s.CancelOrder(ctx, "o1", 1, first.Add(time.Hour))
	if err != nil || !got.CancelledAt.Equal(first) || got.Version != 1 || !got.ExpiresAt.Equal(exp) || got.Paid {
		t.Errorf("order = %+v, %v; want cancelledAt of the first cancellation", got, err)
	}
	if got, err := s.PayOrder(ctx, "o1"); err != nil || !got.Paid {
		t.Errorf("paid order = %+v, %v", got, err)
	}
}

// TestSentLogIsExactlyOnce runs the sent-log's compare-and-sets
// concurrently on the real server: one insert, one claim, one mark win.
func TestSentLogIsExactlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().UTC().Truncate(time.Millisecond)
	m := notify.Mail{OrderID: "o1", Kind: notify.KindReceipt, To: "b@example.test", MessageID: "o1.receipt@x",
		State: notify.StatePending, Token: "first", Due: now.Add(time.Minute), CreatedAt: now}

	var added, claimed atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := s.Add(ctx, m)
			switch {
			case err == nil:
				added.Add(1)
			case !errors.Is(err, notify.ErrDuplicate):
				t.Errorf("Add: %v", err)
			}
		})
	}
	wg.Wait()
	if added.Load() != 1 {
		t.Fatalf("%d of 20 concurrent Adds succeeded, want 1", added.Load())
	}
	if due, err := s.Due(ctx, now, 10); err != nil || len(due) != 0 {
		t.Fatalf("Due while claimed = %v, %v", due, err)
	}
	later := now.Add(time.Minute)
	due, err := s.Due(ctx, later, 10)
	if err != nil || len(due) != 1 || due[0].Token != "first" {
		t.Fatalf("Due after the lease = %+v, %v", due, err)
	}
	for i := range 10 {
		wg.Go(func() {
			err := s.Claim(ctx, due[0], later, "taker"+string(rune('a'+i)), later.Add(time.Minute))
			switch {
			case err == nil:
				claimed.Add(1)
			case !errors.Is(err, notify.ErrClaimLost):
				t.Errorf("Claim: %v", err)
			}
		})
	}
	wg.Wait()
	if claimed.Load() != 1 {
		t.Fatalf("%d of 10 concurrent Claims won, want 1", claimed.Load())
	}
	cur, _ := s.Get(ctx, m.Key())
	if err := s.MarkSent(ctx, m.Key(), "first", later); !errors.Is(err, notify.ErrClaimLost) {
		t.Errorf("MarkSent by the expired holder: %v, want ErrClaimLost", err)
	}
	if err := s.Reschedule(ctx, m.Key(), cur.Token, 1, later.Add(5*time.Second), "421"); err != nil {
		t.Fatal(err)
	}
	cur, _ = s.Get(ctx, m.Key())
	if cur.Token != "" || cur.Attempts != 1 || !cur.Due.Equal(later.Add(5*time.Second)) || cur.LastError != "421" {
		t.Fatalf("after Reschedule: %+v", cur)
	}
	if err := s.Claim(ctx, cur, later.Add(5*time.Second), "third", later.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, m.Key(), "third", later); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, m.Key(), "third", later); err != nil {
		t.Errorf("MarkSent again: %v, want nil", err)
	}
	cur, _ = s.Get(ctx, m.Key())
	if cur.State != notify.StateSent || cur.SentAt.IsZero() {
		t.Errorf("after MarkSent: %+v", cur)
	}
	if due, _ := s.Due(ctx, later.Add(24*time.Hour), 10); len(due) != 0 {
		t.Errorf("a sent mail is due: %+v", due)
	}
	if err := s.Fail(ctx, m.Key(), "third", 1, "x"); !errors.Is(err, notify.ErrClaimLost) {
		t.Errorf("Fail of a sent mail: %v", err)
	}
}

// TestReplicasConcurrently writes one ticket's versions and one order's
// cancellations concurrently and in any order, as redeliveries and
// replicas of the service do: the newest version is kept, and the first
// cancellation's time, whatever the interleaving.
func TestReplicasConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for v := range n {
		wg.Go(func() {
			errs <- s.PutTicket(ctx, notify.Ticket{ID: "t1", Title: fmt.Sprint("v", v), Version: int64(v)})
		})
	}
	exp := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if err := s.CreateOrder(ctx, notify.Order{ID: "o1", UserID: "u1", TicketID: "t1", Price: 1, ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	cancels := make(chan time.Time, n)
	for i := range n {
		wg.Go(func() {
			o, err := s.CancelOrder(ctx, "o1", int64(1+i%3), exp.Add(time.Duration(i)*time.Second))
			errs <- err
			cancels <- o.CancelledAt
		})
	}
	wg.Wait()
	close(errs)
	close(cancels)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if tk, err := s.Ticket(ctx, "t1"); err != nil || tk.Version != n-1 || tk.Title != fmt.Sprint("v", n-1) {
		t.Errorf("ticket = %+v, %v; want version %d kept", tk, err, n-1)
	}
	o, err := s.Order(ctx, "o1")
	if err != nil || o.Version != 3 || o.CancelledAt.IsZero() {
		t.Fatalf("order = %+v, %v; want cancelled, version 3", o, err)
	}
	for at := range cancels {
		if !at.Equal(o.CancelledAt) {
			t.Errorf("a cancellation answered cancelledAt %v, the stored one is %v: two cancellations each set it", at, o.CancelledAt)
		}
	}
}
