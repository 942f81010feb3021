//go:build integration

package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
)

var ctx = context.Background()

func newPayments(t *testing.T) (*mongostore.Payments, *mongostore.Orders) {
	t.Helper()
	p, _, db := newPaymentsNotifying(t)
	return p, mongostore.NewOrders(db)
}

func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func TestClaimIsExclusive(t *testing.T) {
	t.Parallel()
	s, _ := newPayments(t)
	orderID := bson.NewObjectID()
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			errs <- s.Claim(ctx, payment.Payment{ID: bson.NewObjectID(), OrderID: orderID, State: payment.StatePending, ClaimedAt: now()})
		})
	}
	wg.Wait()
	close(errs)
	var won, dup int
	for err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, payment.ErrDuplicate):
			dup++
		default:
			t.Errorf("Claim: %v", err)
		}
	}
	if won != 1 || dup != n-1 {
		t.Errorf("claims won = %d, duplicates = %d; want 1 and %d", won, dup, n-1)
	}
}

func TestTakeOverReleaseComplete(t *testing.T) {
	t.Parallel()
	s, _ := newPayments(t)
	orderID := bson.NewObjectID()
	old := now().Add(-2 * payment.ClaimTimeout)
	p := payment.Payment{ID: bson.NewObjectID(), OrderID: orderID, State: payment.StatePending, ClaimedAt: old}
	if err := s.Claim(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByOrder(ctx, orderID)
	if err != nil || !got.ClaimedAt.Equal(old) || got.State != payment.StatePending {
		t.Fatalf("ByOrder = %+v, %v; want pending claimed at %v", got, err, old)
	}

	// Two requests take the stale claim over: one wins.
	t1, t2 := now(), now().Add(time.Millisecond)
	if err := s.TakeOver(ctx, p.ID, old, t1); err != nil {
		t.Fatalf("first TakeOver: %v", err)
	}
	if err := s.TakeOver(ctx, p.ID, old, t2); !errors.Is(err, payment.ErrClaimLost) {
		t.Fatalf("second TakeOver = %v, want ErrClaimLost", err)
	}

	// The loser's release (of the old claim) leaves the winner's claim.
	if err := s.Release(ctx, p.ID, old); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByOrder(ctx, orderID); err != nil {
		t.Fatalf("claim gone after a release of an older claim: %v", err)
	}

	e := events.PaymentCreated{ID: p.ID.Hex(), OrderID: orderID.Hex(), StripeID: "ch_1"}
	if err := s.Complete(ctx, p.ID, "ch_1", e); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if err := s.Complete(ctx, p.ID, "ch_1", e); err != nil {
		t.Fatalf("Complete again: %v", err)
	}
	got, err = s.ByOrder(ctx, orderID)
	want := payment.Payment{ID: p.ID, OrderID: orderID, StripeID: "ch_1", State: payment.StateComplete}
	if err != nil || got != want {
		t.Fatalf("ByOrder = %+v, %v; want %+v", got, err, want)
	}
	// A completed payment is never released.
	if err := s.Release(ctx, p.ID, t1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByOrder(ctx, orderID); err != nil {
		t.Fatalf("completed payment released: %v", err)
	}
}

func TestReleaseFreesTheOrder(t *testing.T) {
	t.Parallel()
	s, _ := newPayments(t)
	orderID := bson.NewObjectID()
	p := payment.Payment{ID: bson.NewObjectID(), OrderID: orderID, State: payment.StatePending, ClaimedAt: now()}
	if err := s.Claim(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, p.ID, p.ClaimedAt); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ByOrder(ctx, orderID); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("ByOrder after release = %v, want ErrNotFound", err)
	}
	if err := s.Claim(ctx, payment.Payment{ID: bson.NewObjectID(), OrderID: orderID, State: payment.StatePending, ClaimedAt: now()}); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
}

func TestOrderReplica(t *testing.T) {
	t.Parallel()
	_, orders := newPayments(t)
	o := payment.Order{ID: bson.NewObjectID(), Version: 0, UserID: "u1", Price: 19.99, Status: events.StatusCreated}
	if err := orders.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	if err := orders.Create(ctx, o); !errors.Is(err, payment.ErrDuplicate) {
		t.Fatalf("second Create = %v, want ErrDuplicate", err)
	}
	if err := orders.Cancel(ctx, o.ID, 2); !errors.Is(err, payment.ErrBehind) {
		t.Fatalf("Cancel at version 2 onto 0 = %v, want ErrBehind", err)
	}
	if err := orders.Cancel(ctx, bson.NewObjectID(), 1); !errors.Is(err, payment.ErrBehind) {
		t.Fatalf("Cancel of an unknown order = %v, want ErrBehind", err)
	}
	if err := orders.Cancel(ctx, o.ID, 1); err != nil {
		t.Fatalf("Cancel at version 1 onto 0: %v", err)
	}
	if err := orders.Cancel(ctx, o.ID, 1); err != nil {
		t.Fatalf("Cancel at version 1 again: %v", err)
	}
	if err := orders.AddDecline(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	got, err := orders.Get(ctx, o.ID)
	want := payment.Order{ID: o.ID, Version: 1, UserID: "u1", Price: 19.99, Status: events.StatusCancelled, Declines: 1}
	if err != nil || got != want {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, want)
	}
}
