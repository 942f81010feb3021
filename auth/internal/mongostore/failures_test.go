//go:build integration

package mongostore_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/auth/internal/mongostore"
	"github.com/gittix/ticketing/common/testenv"
)

func newFailures(t *testing.T) (*mongostore.SignInFailures, func() []bson.M) {
	t.Helper()
	db := testenv.Mongo(t)
	f, err := mongostore.NewSignInFailures(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	docs := func() []bson.M {
		var out []bson.M
		cur, err := db.Collection(mongostore.FailuresCollection).Find(context.Background(), bson.M{})
		if err != nil {
			t.Fatal(err)
		}
		if err := cur.All(context.Background(), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	return f, docs
}

func TestSignInFailuresWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, docs := newFailures(t)
	const window = 15 * time.Minute
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC)

	steps := []struct {
		name      string
		at        time.Time
		forget    bool // Forget the attempt of the step before instead of beginning one
		wantCount int64
		wantStart time.Time
	}{
		{name: "first attempt opens the window", at: t0, wantCount: 1, wantStart: t0},
		{name: "second counts in it", at: t0.Add(time.Minute), wantCount: 2, wantStart: t0},
		{name: "forget takes one back", forget: true},
		{name: "third counts 2", at: t0.Add(window - time.Millisecond), wantCount: 2, wantStart: t0},
		{name: "at the window's end a new one opens", at: t0.Add(window), wantCount: 1, wantStart: t0.Add(window)},
		{name: "and counts on", at: t0.Add(window + time.Second), wantCount: 2, wantStart: t0.Add(window)},
	}
	var start time.Time
	for _, s := range steps {
		if s.forget {
			if err := f.Forget(ctx, "ann@example.com", start); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		w, err := f.Begin(ctx, "ann@example.com", s.at, window)
		count, st := w.Count, w.Start
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if count != s.wantCount || !st.Equal(s.wantStart) {
			t.Fatalf("%s: Begin = %d, %v; want %d, %v", s.name, count, st, s.wantCount, s.wantStart)
		}
		start = st
	}
	// Another email has its own window.
	if w, err := f.Begin(ctx, "bob@example.com", t0.Add(window), window); err != nil || w.Count != 1 {
		count := w.Count
		t.Errorf("other email: count %d, %v; want 1", count, err)
	}
	got := docs()
	if len(got) != 2 {
		t.Fatalf("documents = %v, want one per email", got)
	}
	for _, d := range got {
		if d["_id"] == "ann@example.com" {
			if exp, _ := d["expireAt"].(bson.DateTime); !exp.Time().Equal(t0.Add(2 * window)) {
				t.Errorf("expireAt = %v, want the window's end %v", exp.Time(), t0.Add(2*window))
			}
		}
	}
}

// Concurrent attempts, as from several replicas, get distinct counts: none
// is lost, so concurrent guesses cannot pass the limit.
func TestSignInFailuresConcurrent(t *testing.T) {
	t.Parallel()
	f, _ := newFailures(t)
	now := time.Now()
	const n = 40
	counts := make([]int64, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, err := f.Begin(context.Background(), "ann@example.com", now, time.Minute)
			c := w.Count
			if err != nil {
				t.Error(err)
			}
			counts[i] = c
		})
	}
	wg.Wait()
	slices.Sort(counts)
	for i, c := range counts {
		if c != int64(i+1) {
			t.Fatalf("counts = %v, want 1..%d each once", counts, n)
		}
	}
}

// Expired documents go: by the TTL index on MongoDB, by DeleteExpired
// (run by Sweep) on FerretDB, which has no TTL indexes.
func TestSignInFailuresExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testenv.Mongo(t)
	var f *mongostore.SignInFailures
	for range 2 { // every start creates the index again
		var err error
		if f, err = mongostore.NewSignInFailures(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	for i, email := range []string{"old@example.com", "new@example.com"} {
		if _, err := f.Begin(ctx, email, t0.Add(time.Duration(i)*time.Minute), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.DeleteExpired(ctx, t0.Add(time.Minute)) // old's window has passed, new's not
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	var left []bson.M
	cur, err := db.Collection(mongostore.FailuresCollection).Find(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &left); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0]["_id"] != "new@example.com" {
		t.Errorf("left = %v, want new@example.com only", left)
	}

	cur, err = db.Collection(mongostore.FailuresCollection).Indexes().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var idx []bson.M
	if err := cur.All(ctx, &idx); err != nil {
		t.Fatal(err)
	}
	for _, i := range idx {
		if i["name"] == "expire_at_ttl" {
			if v := i["expireAfterSeconds"]; v != int32(0) && v != int64(0) {
				t.Errorf("TTL index = %v, want expireAfterSeconds 0", i)
			}
			return
		}
	}
	t.Logf("no TTL index (FerretDB): Sweep removes expired documents; indexes %v", idx)
}

// TestSignInFailuresDelay: a delay set for a key comes back with its next
// attempts, in the same window and in the next one, and keeps the document
// alive until it has passed.
func TestSignInFailuresDelay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, docs := newFailures(t)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := f.Begin(ctx, "ann@example.com", t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	until := t0.Add(10 * time.Minute)
	if won, err := f.Delay(ctx, "ann@example.com", time.Time{}, until); err != nil || !won {
		t.Fatalf("Delay = %t, %v; want it set", won, err)
	}
	// A concurrent attempt that read the same (now stale) next loses.
	if won, err := f.Delay(ctx, "ann@example.com", time.Time{}, until.Add(time.Hour)); err != nil || won {
		t.Fatalf("second Delay from the same next = %t, %v; want it lost", won, err)
	}
	w, err := f.Begin(ctx, "ann@example.com", t0.Add(time.Second), time.Minute)
	if err != nil || !w.Next.Equal(until) || w.Count != 2 {
		t.Errorf("Begin after Delay = %+v, %v; want count 2, next %v", w, err, until)
	}
	w, err = f.Begin(ctx, "ann@example.com", t0.Add(2*time.Minute), time.Minute) // a new window
	if err != nil || !w.Next.Equal(until) || w.Count != 1 {
		t.Errorf("Begin in the next window = %+v, %v; want count 1, next %v", w, err, until)
	}
	if got := docs(); len(got) != 1 || !got[0]["expireAt"].(bson.DateTime).Time().Equal(until) {
		t.Errorf("document = %v, want it kept until %v", got, until)
	}
}

// TestSignInFailuresReset: after Reset, a key's next attempt opens a new
// window with no delay; other keys keep theirs.
func TestSignInFailuresReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, docs := newFailures(t)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, key := range []string{"ann@example.com", "bob@example.com"} {
		for range 3 {
			if _, err := f.Begin(ctx, key, t0, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if won, err := f.Delay(ctx, key, time.Time{}, t0.Add(time.Minute)); err != nil || !won {
			t.Fatalf("Delay(%s) = %t, %v", key, won, err)
		}
	}
	if err := f.Reset(ctx, "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := f.Reset(ctx, "nobody@example.com"); err != nil {
		t.Errorf("Reset of a key never counted = %v, want nil", err)
	}
	now := t0.Add(time.Second)
	if w, err := f.Begin(ctx, "ann@example.com", now, time.Hour); err != nil || w.Count != 1 || !w.Start.Equal(now) || !w.Next.IsZero() {
		t.Errorf("Begin after Reset = %+v, %v; want count 1 from %v, no next", w, err, now)
	}
	if w, err := f.Begin(ctx, "bob@example.com", now, time.Hour); err != nil || w.Count != 4 || !w.Next.Equal(t0.Add(time.Minute)) {
		t.Errorf("another key = %+v, %v; want count 4 and its delay", w, err)
	}
	if got := docs(); len(got) != 2 {
		t.Errorf("documents = %v, want ann's new one and bob's", got)
	}
}
