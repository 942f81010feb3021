//go:build integration

package mongostore_test

import (
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

var discard = slog.New(slog.DiscardHandler)

// TestQuota: a user gets limit creations per window, then a QuotaError
// with the wait until the next window; other users and the next window
// count apart; two quotas on one database (two replicas) share the count.
func TestQuota(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	ctx := t.Context()
	a, err := mongostore.NewQuota(ctx, db, 3, time.Hour, discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := mongostore.NewQuota(ctx, db, 3, time.Hour, discard)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2030, 1, 1, 10, 15, 0, 0, time.UTC)
	for i, q := range []*mongostore.Quota{a, b, a} {
		if err := q.Take(ctx, "u1", now); err != nil {
			t.Fatalf("creation %d: %v", i+1, err)
		}
	}
	var qe *ticket.QuotaError
	if err := b.Take(ctx, "u1", now.Add(time.Minute)); !errors.As(err, &qe) {
		t.Fatalf("fourth creation: %v, want a *ticket.QuotaError", err)
	}
	if got, want := qe.RetryAfter, 44*time.Minute; got != want {
		t.Errorf("RetryAfter = %v, want %v (until 11:00)", got, want)
	}
	if err := a.Take(ctx, "u2", now); err != nil {
		t.Errorf("another user: %v", err)
	}
	if err := a.Take(ctx, "u1", now.Add(45*time.Minute)); err != nil {
		t.Errorf("next window: %v", err)
	}
}

// TestQuotaConcurrent: of many creations at once, exactly limit pass.
func TestQuotaConcurrent(t *testing.T) {
	t.Parallel()
	q, err := mongostore.NewQuota(t.Context(), testenv.Mongo(t), 5, time.Hour, discard)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for range 20 {
		wg.Go(func() {
			err := q.Take(t.Context(), "u1", now)
			var qe *ticket.QuotaError
			if err != nil && !errors.As(err, &qe) {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				passed++
			}
		})
	}
	wg.Wait()
	if passed != 5 {
		t.Errorf("creations passed = %d, want 5", passed)
	}
}

// TestQuotaDeleteExpired: the counts of past windows are removed (what a
// TTL index does on MongoDB, and the sweep on FerretDB).
func TestQuotaDeleteExpired(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	q, err := mongostore.NewQuota(t.Context(), db, 5, time.Hour, discard)
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2030, 1, 1, 10, 0, 0, 0, time.UTC)
	for _, user := range []string{"u1", "u2"} {
		if err := q.Take(t.Context(), user, old); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := q.DeleteExpired(t.Context(), old.Add(30*time.Minute)); err != nil || n != 0 {
		t.Fatalf("DeleteExpired within the window = %d, %v; want 0", n, err)
	}
	if n, err := q.DeleteExpired(t.Context(), old.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("DeleteExpired after the window = %d, %v; want 2", n, err)
	}
	left, err := db.Collection(mongostore.QuotaCollection).CountDocuments(t.Context(), bson.D{})
	if err != nil || left != 0 {
		t.Errorf("counts left = %d, %v; want 0", left, err)
	}
}

// TestListAvailablePages: pages by _id after a cursor, limited, without
// reserved tickets.
func TestListAvailablePages(t *testing.T) {
	t.Parallel()
	coll := testenv.Mongo(t).Collection("tickets")
	s := mongostore.New(coll, outbox.Discard)
	ctx := t.Context()
	var free []bson.ObjectID
	for i := range 7 {
		tk, err := s.Create(ctx, ticket.Ticket{Title: "t", Price: 100, UserID: "u1"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			tk.OrderID = "o1"
			if _, err := s.Save(ctx, tk); err != nil {
				t.Fatal(err)
			}
			continue
		}
		free = append(free, tk.ID)
	}
	var got []bson.ObjectID
	var after bson.ObjectID
	for range 10 {
		page, err := s.ListAvailable(ctx, ticket.Page{After: after, Limit: 4})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 4 {
			t.Fatalf("page of %d, want at most 4", len(page))
		}
		for _, tk := range page {
			got = append(got, tk.ID)
		}
		if len(page) < 4 {
			break
		}
		after = page[len(page)-1].ID
	}
	if len(got) != len(free) {
		t.Fatalf("listed %v, want %v", got, free)
	}
	for i := range free {
		if got[i] != free[i] {
			t.Fatalf("listed %v, want %v", got, free)
		}
	}
}
