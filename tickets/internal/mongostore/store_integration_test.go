//go:build integration

package mongostore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// These tests run on the real MongoDB (FerretDB) without a relay: the
// events a write records stay in the document's outbox, where the tests
// read them.

type notes struct {
	mu  sync.Mutex
	ids []bson.ObjectID
}

func (n *notes) Notify(id bson.ObjectID) {
	n.mu.Lock()
	n.ids = append(n.ids, id)
	n.mu.Unlock()
}

func newStore(t *testing.T) (*mongostore.Store, *mongo.Collection, *notes) {
	t.Helper()
	coll := testenv.Mongo(t).Collection("tickets")
	n := &notes{}
	return mongostore.New(coll, n), coll, n
}

// stored is a ticket document as it is in the collection.
type stored struct {
	Title      string           `bson:"title"`
	PriceCents int64            `bson:"priceCents"`
	UserID     string           `bson:"userId"`
	OrderID    *string          `bson:"orderId"`
	Version    int64            `bson:"version"`
	Outbox     []outbox.Message `bson:"outbox"`
}

// create stores tk and returns it as stored.
func create(t *testing.T, s *mongostore.Store, tk ticket.Ticket) ticket.Ticket {
	t.Helper()
	created, err := s.Create(t.Context(), tk)
	if err != nil {
		t.Fatalf("create %q: %v", tk.Title, err)
	}
	return created
}

func read(t *testing.T, coll *mongo.Collection, id bson.ObjectID) stored {
	t.Helper()
	var d stored
	if err := coll.FindOne(t.Context(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatalf("read %s: %v", id.Hex(), err)
	}
	return d
}

// eventsOf decodes a document's pending events as subject + JSON maps.
func eventsOf(t *testing.T, msgs []outbox.Message) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		var v map[string]any
		if err := json.Unmarshal([]byte(m.Data), &v); err != nil {
			t.Fatalf("pending event %s: %v", m.Data, err)
		}
		b, _ := json.Marshal(v) // keys sorted
		out = append(out, m.Subject+" "+string(b))
	}
	return out
}

func TestCreateRecordsTicketCreated(t *testing.T) {
	t.Parallel()
	s, coll, n := newStore(t)
	tk, err := s.Create(t.Context(), ticket.Ticket{Title: "concert", Price: 1250, UserID: "u1", OrderID: "ignored", Version: 7})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Version != 0 || tk.OrderID != "" || tk.ID.IsZero() {
		t.Errorf("Create = %+v, want a new id, version 0, unreserved", tk)
	}
	d := read(t, coll, tk.ID)
	want := []string{`ticket:created {"id":"` + tk.ID.Hex() + `","price":12.5,"title":"concert","userId":"u1","version":0}`}
	if diff := cmp.Diff(want, eventsOf(t, d.Outbox)); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
	if d.PriceCents != 1250 || d.OrderID != nil {
		t.Errorf("stored %+v, want priceCents 1250 and no orderId", d)
	}
	if !slices.Equal(n.ids, []bson.ObjectID{tk.ID}) {
		t.Errorf("relay notified of %v, want %v", n.ids, tk.ID)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	tk := create(t, s, ticket.Ticket{Title: "concert", Price: 1, UserID: "u1"})
	got, err := s.Get(t.Context(), tk.ID)
	if err != nil || !cmp.Equal(got, tk) {
		t.Errorf("Get = %+v, %v; want %+v", got, err, tk)
	}
	if _, err := s.Get(t.Context(), bson.NewObjectID()); !errors.Is(err, ticket.ErrNotFound) {
		t.Errorf("Get(unknown) error = %v, want %v", err, ticket.ErrNotFound)
	}
}

// 18. Optimistic concurrency: two copies read; the second, stale write
// fails, and changes and records nothing.
func TestSaveStaleCopyFails(t *testing.T) {
	t.Parallel()
	s, coll, _ := newStore(t)
	ctx := t.Context()
	tk := create(t, s, ticket.Ticket{Title: "concert", Price: 500, UserID: "u1"})
	first, _ := s.Get(ctx, tk.ID)
	second, _ := s.Get(ctx, tk.ID)
	first.Price = 1000
	second.Price = 1500
	if _, err := s.Save(ctx, first); err != nil {
		t.Fatalf("first Save: %v", err)
	}
	if _, err := s.Save(ctx, second); !errors.Is(err, ticket.ErrConflict) {
		t.Fatalf("stale Save error = %v, want %v", err, ticket.ErrConflict)
	}
	d := read(t, coll, tk.ID)
	if d.PriceCents != 1000 || d.Version != 1 || len(d.Outbox) != 2 {
		t.Errorf("stored priceCents %d version %d with %d pending events, want 1000, 1, 2 (created + one updated)", d.PriceCents, d.Version, len(d.Outbox))
	}
}

// 19. The version goes 0, 1, 2 over saves, and each save records its
// event with its version; reserving and releasing sets and removes orderId.
func TestSaveIncrementsVersion(t *testing.T) {
	t.Parallel()
	s, coll, _ := newStore(t)
	ctx := t.Context()
	tk := create(t, s, ticket.Ticket{Title: "concert", Price: 100, UserID: "u1"})
	if tk.Version != 0 {
		t.Fatalf("created at version %d, want 0", tk.Version)
	}
	id := tk.ID.Hex()
	steps := []struct {
		change    func(*ticket.Ticket)
		wantEvent string
		wantOrder *string
	}{
		{func(t *ticket.Ticket) { t.OrderID = "o1" },
			`ticket:updated {"id":"` + id + `","orderId":"o1","price":1,"title":"concert","userId":"u1","version":1}`, ptr("o1")},
		{func(t *ticket.Ticket) { t.OrderID = "" },
			`ticket:updated {"id":"` + id + `","price":1,"title":"concert","userId":"u1","version":2}`, nil},
		{func(t *ticket.Ticket) { t.Title = "renamed" },
			`ticket:updated {"id":"` + id + `","price":1,"title":"renamed","userId":"u1","version":3}`, nil},
	}
	for i, step := range steps {
		cur, err := s.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		step.change(&cur)
		saved, err := s.Save(ctx, cur)
		if err != nil {
			t.Fatalf("save %d: %v", i+1, err)
		}
		d := read(t, coll, tk.ID)
		if saved.Version != int64(i+1) || d.Version != int64(i+1) {
			t.Errorf("save %d: returned version %d, stored %d, want %d", i+1, saved.Version, d.Version, i+1)
		}
		if !cmp.Equal(step.wantOrder, d.OrderID) {
			t.Errorf("save %d: stored orderId %v, want %v", i+1, d.OrderID, step.wantOrder)
		}
		evs := eventsOf(t, d.Outbox)
		if got := evs[len(evs)-1]; got != step.wantEvent {
			t.Errorf("save %d: recorded\n%s\nwant\n%s", i+1, got, step.wantEvent)
		}
	}
}

// Concurrent writers of one version: exactly one wins (the write is a
// compare-and-set, also on FerretDB behind the devstack's front).
func TestSaveOneWinnerPerVersion(t *testing.T) {
	t.Parallel()
	s, coll, _ := newStore(t)
	ctx := t.Context()
	tk := create(t, s, ticket.Ticket{Title: "concert", Price: 100, UserID: "u1"})
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := tk
			c.Price = ticket.Cents(i + 1)
			_, errs[i] = s.Save(ctx, c)
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ticket.ErrConflict):
			t.Errorf("Save: %v", err)
		}
	}
	d := read(t, coll, tk.ID)
	if wins != 1 || d.Version != 1 || len(d.Outbox) != 2 {
		t.Errorf("%d winners, stored version %d with %d pending events; want 1, 1, 2", wins, d.Version, len(d.Outbox))
	}
}

func TestListAvailable(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	ctx := context.Background()
	var want []ticket.Ticket
	for i := range 5 {
		tk, err := s.Create(ctx, ticket.Ticket{Title: string(rune('a' + i)), Price: 100, UserID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			tk.OrderID = "o1"
			if _, err := s.Save(ctx, tk); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want = append(want, tk)
	}
	got, err := s.ListAvailable(ctx, ticket.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListAvailable (-want +got):\n%s", diff)
	}
}

// The orders cancelled on a ticket are stored with it (a plain string
// array, set whole by each compare-and-set save, on FerretDB too), read back
// by Get, bounded, and left out of lists.
func TestCancelledOrdersAreStored(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	ctx := t.Context()
	tk := create(t, s, ticket.Ticket{Title: "concert", Price: 100, UserID: "u1"})
	var err error
	if tk, err = s.Save(ctx, reserved(tk, "o0")); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range ticket.MaxCancelledOrders + 2 {
		id := fmt.Sprint("o", i)
		if !tk.Cancel(id) {
			t.Fatalf("Cancel(%s) = false", id)
		}
		if tk, err = s.Save(ctx, tk); err != nil {
			t.Fatalf("save after Cancel(%s): %v", id, err)
		}
		want = append(want, id)
	}
	got, err := s.Get(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	want = want[len(want)-ticket.MaxCancelledOrders:]
	if diff := cmp.Diff(want, got.CancelledOrders); diff != "" {
		t.Errorf("stored cancelled orders (-want +got):\n%s", diff)
	}
	if got.Reserved() || got.Version != int64(ticket.MaxCancelledOrders+3) {
		t.Errorf("stored orderId %q version %d, want free at %d", got.OrderID, got.Version, ticket.MaxCancelledOrders+3)
	}
	list, err := s.ListAvailable(ctx, ticket.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].CancelledOrders != nil {
		t.Errorf("ListAvailable = %+v, want the ticket without its cancelled orders", list)
	}
}

func reserved(tk ticket.Ticket, orderID string) ticket.Ticket {
	tk.OrderID = orderID
	return tk
}

func ptr(s string) *string { return &s }
