//go:build integration

package mongostore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

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
	// No relay runs: the events stay in the outbox.
	s, err := mongostore.NewOrders(ctx, db.Collection("orders"), outbox.Discard)
	if err != nil {
		t.Fatal(err)
	}
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
