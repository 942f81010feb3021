//go:build integration

package mongostore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

func newOrder(userID string, tk ticket.Ticket) order.Order {
	return order.Order{
		ID: bson.NewObjectID(), UserID: userID, Status: events.StatusCreated,
		ExpiresAt: time.Now().UTC().Truncate(time.Millisecond), Ticket: tk,
	}
}

// TestOrders checks each write of the store on the real MongoDB (FerretDB):
// the reservation lock taken by the insert and released by the $unset, the
// compare-and-set, and the events recorded in the document.
func TestOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Mongo(t)
	s := newStore(t, db.Collection("orders"))
	tk := ticket.Ticket{ID: bson.NewObjectID(), Title: "concert", Price: 10.5, Version: 2}
	pending := func(id bson.ObjectID) []string {
		var doc struct {
			Outbox []outbox.Message `bson:"outbox"`
		}
		if err := db.Collection("orders").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, m := range doc.Outbox {
			subjects = append(subjects, m.Subject)
		}
		return subjects
	}

	a := newOrder("u1", tk)
	if err := s.Create(ctx, a, 0, events.OrderCreated{ID: a.ID.Hex()}); err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("stored order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"order:created"}, pending(a.ID)); diff != "" {
		t.Errorf("outbox after Create (-want +got):\n%s", diff)
	}

	b := newOrder("u2", tk)
	if err := s.Create(ctx, b, 0); !errors.Is(err, order.ErrTicketReserved) {
		t.Fatalf("Create of a held ticket: err = %v, want %v", err, order.ErrTicketReserved)
	}

	cancelled := a
	cancelled.Status, cancelled.Version = events.StatusCancelled, 1
	stale := a
	stale.Version = 7
	if err := s.Update(ctx, stale, cancelled); !errors.Is(err, order.ErrConflict) {
		t.Fatalf("Update from a stale version: err = %v, want %v", err, order.ErrConflict)
	}
	if err := s.Update(ctx, a, cancelled, events.OrderCancelled{ID: a.ID.Hex()}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if err := s.Update(ctx, a, cancelled); !errors.Is(err, order.ErrConflict) {
		t.Fatalf("Update repeated: err = %v, want %v", err, order.ErrConflict)
	}
	if diff := cmp.Diff([]string{"order:created", "order:cancelled"}, pending(a.ID)); diff != "" {
		t.Errorf("outbox after Update (-want +got):\n%s", diff)
	}

	// The cancelled order released the ticket: another order takes it, and
	// the cancelled one cannot take it back.
	if err := s.Create(ctx, b, 0); err != nil {
		t.Fatalf("Create after release: %v", err)
	}
	back := cancelled
	back.Status, back.Version = events.StatusComplete, 2
	// (MongoDB answers a duplicate key, FerretDB an internal error: the
	// service never moves an order back into a reserving status.)
	if err := s.Update(ctx, cancelled, back); err == nil {
		t.Fatal("Update retaking a held ticket succeeded")
	}

	list, err := s.ListByUser(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]order.Order{cancelled}, list); diff != "" {
		t.Errorf("ListByUser (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, bson.NewObjectID()); !errors.Is(err, order.ErrNotFound) {
		t.Errorf("Get unknown: err = %v, want %v", err, order.ErrNotFound)
	}
}

func TestTickets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := mongostore.NewTickets(testenv.Mongo(t))
	tk := ticket.Ticket{ID: bson.NewObjectID(), Title: "concert", Price: 10.5}
	if err := s.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, tk); !errors.Is(err, ticket.ErrExists) {
		t.Errorf("Create again: err = %v, want %v", err, ticket.ErrExists)
	}
	next := ticket.Ticket{ID: tk.ID, Title: "gig", Price: 11, Version: 1}
	if err := s.Update(ctx, next); err != nil {
		t.Fatalf("Update v1: %v", err)
	}
	for _, v := range []int64{1, 3} {
		if err := s.Update(ctx, ticket.Ticket{ID: tk.ID, Title: "x", Version: v}); !errors.Is(err, ticket.ErrVersion) {
			t.Errorf("Update v%d at v1: err = %v, want %v", v, err, ticket.ErrVersion)
		}
	}
	got, err := s.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(next, got); diff != "" {
		t.Errorf("replica (-want +got):\n%s", diff)
	}
	if _, err := s.Get(ctx, bson.NewObjectID()); !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("Get unknown: err = %v, want %v", err, ticket.ErrNotFound)
	}
}

// TestNewOrdersAgain opens the store twice on one database, as a restarted
// service does: creating indexes that exist already must succeed.
func TestNewOrdersAgain(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	for i := range 2 {
		if _, err := mongostore.NewOrders(context.Background(), db.Collection("orders"), outbox.Discard); err != nil {
			t.Fatalf("NewOrders, start %d: %v", i+1, err)
		}
	}
}

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

// newStore returns the orders store on coll. No relay runs: the events
// stay in the outbox.
func newStore(t *testing.T, coll *mongo.Collection) *mongostore.Orders {
	t.Helper()
	s, err := mongostore.NewOrders(context.Background(), coll, outbox.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// replicas returns n stores on one collection, as n replicas of the
// service have.
func replicas(t *testing.T, n int) []*mongostore.Orders {
	t.Helper()
	coll := testenv.Mongo(t).Collection("orders")
	out := make([]*mongostore.Orders, n)
	for i := range out {
		out[i] = newStore(t, coll)
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
	s := newStore(t, db.Collection("orders"))
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
