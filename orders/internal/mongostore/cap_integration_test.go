//go:build integration

package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

const maxOpen = 5

// createAtOnce runs create(0) … create(n-1) at once and returns how many
// succeeded; a failure other than refused is an error of the test.
func createAtOnce(t *testing.T, n int, refused error, create func(i int) error) (created int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range errs {
		wg.Go(func() { errs[i] = create(i) })
	}
	wg.Wait()
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, refused):
			t.Errorf("Create: %v, want nil or %v", err, refused)
		}
	}
	return created
}

// fillCap creates maxOpen open orders of userID in s and returns them.
func fillCap(t *testing.T, s *mongostore.Orders, userID string) []order.Order {
	t.Helper()
	open := make([]order.Order, 0, maxOpen)
	for range maxOpen {
		o := newOrder(userID, newTicket())
		if err := s.Create(t.Context(), o, maxOpen); err != nil {
			t.Fatal(err)
		}
		open = append(open, o)
	}
	return open
}

// replicas returns n stores on one collection, as n replicas of the
// service have.
func replicas(t *testing.T, n int) []*mongostore.Orders {
	t.Helper()
	coll := testenv.Mongo(t).Collection("orders")
	out := make([]*mongostore.Orders, n)
	for i := range out {
		s, err := mongostore.NewOrders(context.Background(), coll, outbox.Discard)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

func newTicket() ticket.Ticket {
	return ticket.Ticket{ID: bson.NewObjectID(), Title: "t", Price: 1}
}

// TestOpenOrderCapConcurrent: 20 concurrent orders of one user on 20
// tickets, through two replicas, create exactly maxOpen orders; the others
// are ErrTooManyOpen.
func TestOpenOrderCapConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stores := replicas(t, 2)
	created := createAtOnce(t, 20, order.ErrTooManyOpen, func(i int) error {
		return stores[i%2].Create(ctx, newOrder("u1", newTicket()), maxOpen)
	})
	list, err := stores[0].ListByUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if created != maxOpen || len(list) != maxOpen {
		t.Errorf("created %d orders, stored %d, want %d", created, len(list), maxOpen)
	}
}

// TestOpenOrderCapReleased: cancelling, paying or expiring an open order
// frees its place at once; an order that is not open takes none.
func TestOpenOrderCapReleased(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := replicas(t, 1)[0]
	open := fillCap(t, s, "u1")
	full := func(step string) {
		t.Helper()
		if err := s.Create(ctx, newOrder("u1", newTicket()), maxOpen); !errors.Is(err, order.ErrTooManyOpen) {
			t.Fatalf("%s: Create = %v, want %v", step, err, order.ErrTooManyOpen)
		}
	}
	full("at the cap")
	if err := s.Create(ctx, newOrder("u2", newTicket()), maxOpen); err != nil {
		t.Fatalf("another user's order: %v", err)
	}
	// An order not open (a paid one, say) needs no place.
	paid := newOrder("u1", newTicket())
	paid.Status = events.StatusComplete
	if err := s.Create(ctx, paid, maxOpen); err != nil {
		t.Fatalf("Create of a complete order: %v", err)
	}

	for i, status := range []events.OrderStatus{events.StatusCancelled, events.StatusComplete, events.StatusAwaitingPayment} {
		next := open[i]
		next.Status, next.Version = status, 1
		if err := s.Update(ctx, open[i], next); err != nil {
			t.Fatalf("Update to %s: %v", status, err)
		}
		if status == events.StatusAwaitingPayment { // still open
			full("after awaiting:payment")
			continue
		}
		if err := s.Create(ctx, newOrder("u1", newTicket()), maxOpen); err != nil {
			t.Fatalf("Create after %s: %v", status, err)
		}
		full("after " + string(status))
	}

	// Below the cap, a held ticket is still ErrTicketReserved.
	o := newOrder("u3", newTicket())
	if err := s.Create(ctx, o, maxOpen); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, newOrder("u3", o.Ticket), maxOpen); !errors.Is(err, order.ErrTicketReserved) {
		t.Fatalf("Create of a held ticket: %v, want %v", err, order.ErrTicketReserved)
	}
}

// TestOpenOrderCapOneTicket: concurrent orders of one ticket by one user
// below the cap: one wins, the others are ErrTicketReserved, and the
// losers leave no place taken.
func TestOpenOrderCapOneTicket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	stores := replicas(t, 2)
	tk := newTicket()
	won := createAtOnce(t, 10, order.ErrTicketReserved, func(i int) error {
		return stores[i%2].Create(ctx, newOrder("u1", tk), maxOpen)
	})
	if won != 1 {
		t.Fatalf("%d orders of one ticket, want 1", won)
	}
	for i := range maxOpen - 1 {
		if err := stores[0].Create(ctx, newOrder("u1", newTicket()), maxOpen); err != nil {
			t.Fatalf("order %d below the cap: %v", i+2, err)
		}
	}
	if err := stores[0].Create(ctx, newOrder("u1", newTicket()), maxOpen); !errors.Is(err, order.ErrTooManyOpen) {
		t.Fatalf("order past the cap: %v, want %v", err, order.ErrTooManyOpen)
	}
}

// TestOpenOrderCapFreesLeftSlots: a slot a crash left taken — its order
// closed without giving it back — is freed when its user has no free slot
// left, so a crash cannot lower anyone's cap for good.
func TestOpenOrderCapFreesLeftSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Mongo(t)
	s, err := mongostore.NewOrders(ctx, db.Collection("orders"), outbox.Discard)
	if err != nil {
		t.Fatal(err)
	}
	open := fillCap(t, s, "u1")
	// Close one order the way a crash right after its write would leave
	// it: cancelled in its document, its slot still taken.
	closed := open[0]
	if _, err := db.Collection("orders").UpdateOne(ctx, bson.D{{Key: "_id", Value: closed.ID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: events.StatusCancelled}}}, {Key: "$unset", Value: bson.D{{Key: "activeTicket", Value: ""}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, newOrder("u1", newTicket()), maxOpen); err != nil {
		t.Errorf("an order after a closed order's slot was left taken: %v, want created", err)
	}
	if err := s.Create(ctx, newOrder("u1", newTicket()), maxOpen); !errors.Is(err, order.ErrTooManyOpen) {
		t.Errorf("one more: %v, want ErrTooManyOpen (the cap still holds)", err)
	}
}
