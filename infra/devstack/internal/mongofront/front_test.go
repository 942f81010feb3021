package mongofront_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/infra/devstack/internal/ferret"
	"github.com/gittix/ticketing/infra/devstack/internal/mongofront"
)

// setup starts FerretDB and a front before it, and returns a database reached
// through the front. With indexed, the front gives each new collection the
// _id index FerretDB's queries use (as the dev stack does).
func setup(t testing.TB, indexed ...bool) *mongo.Database {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	fdb, err := ferret.Start(t.TempDir(), 0, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fdb.Stop)
	var opts []mongofront.Option
	if len(indexed) > 0 && indexed[0] {
		opts = append(opts, mongofront.WithCollectionHook(fdb.IndexIDPath))
	}
	front, err := mongofront.Start("127.0.0.1:0", fdb.Addr(), log, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = front.Close() })

	client, err := mongo.Connect(options.Client().ApplyURI(front.URI()).SetMaxPoolSize(50))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database("front")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// parallel runs fn n times concurrently and returns the errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errs
}

// oneWinner runs update 100 times at once and fails the test unless
// exactly one of them modified a document.
func oneWinner(t *testing.T, round int, update func(i int) (*mongo.UpdateResult, error)) {
	t.Helper()
	var mu sync.Mutex
	winners := 0
	errs := parallel(100, func(i int) error {
		res, err := update(i)
		if err != nil {
			return err
		}
		mu.Lock()
		winners += int(res.ModifiedCount)
		mu.Unlock()
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if winners != 1 {
		t.Fatalf("round %d: %d winners, want 1", round, winners)
	}
}

func TestFront(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := ctxT(t)

	t.Run("concurrent inc", func(t *testing.T) {
		coll := db.Collection("counter")
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "c"}, {Key: "n", Value: 0}}); err != nil {
			t.Fatal(err)
		}
		errs := parallel(100, func(int) error {
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: "c"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}})
			return err
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		var got struct{ N int }
		if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "c"}}).Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.N != 100 {
			t.Fatalf("n = %d, want 100", got.N)
		}
	})

	t.Run("compare and set", func(t *testing.T) {
		coll := db.Collection("cas")
		for round := range 5 {
			id := fmt.Sprintf("ticket-%d", round)
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "orderId", Value: nil}}); err != nil {
				t.Fatal(err)
			}
			oneWinner(t, round, func(i int) (*mongo.UpdateResult, error) {
				return coll.UpdateOne(ctx,
					bson.D{{Key: "_id", Value: id}, {Key: "orderId", Value: nil}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "orderId", Value: fmt.Sprint("order-", i)}}}})
			})
		}
	})

	t.Run("cursor over several batches", func(t *testing.T) {
		coll := db.Collection("many")
		docs := make([]bson.D, 5000)
		for i := range docs {
			docs[i] = bson.D{{Key: "i", Value: i}, {Key: "pad", Value: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}
		}
		if _, err := coll.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		cur, err := coll.Find(ctx, bson.D{}, options.Find().SetBatchSize(500).SetSort(bson.D{{Key: "i", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		defer cur.Close(ctx)
		n := 0
		for cur.Next(ctx) {
			var d struct{ I int }
			if err := cur.Decode(&d); err != nil {
				t.Fatal(err)
			}
			if d.I != n {
				t.Fatalf("document %d has i = %d", n, d.I)
			}
			n++
			if n == 2500 { // writes from another connection interleave with getMore
				if _, err := db.Collection("other").InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := cur.Err(); err != nil {
			t.Fatal(err)
		}
		if n != len(docs) {
			t.Fatalf("read %d documents, want %d", n, len(docs))
		}
	})

	t.Run("find one and update", func(t *testing.T) {
		coll := db.Collection("fau")
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "t"}, {Key: "version", Value: 0}}); err != nil {
			t.Fatal(err)
		}
		var got struct{ Version int }
		err := coll.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: "t"}, {Key: "version", Value: 0}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}},
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&got)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 {
			t.Fatalf("version = %d, want 1", got.Version)
		}
		err = coll.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: "t"}, {Key: "version", Value: 0}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}}).Err()
		if !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("stale FindOneAndUpdate: err = %v, want ErrNoDocuments", err)
		}
	})

	t.Run("duplicate key", func(t *testing.T) {
		coll := db.Collection("users")
		_, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true),
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "email", Value: "a@b.c"}}); err != nil {
			t.Fatal(err)
		}
		_, err = coll.InsertOne(ctx, bson.D{{Key: "email", Value: "a@b.c"}})
		if !mongo.IsDuplicateKeyError(err) {
			t.Fatalf("second insert: err = %v, want a duplicate key error", err)
		}
	})
}

// TestCompareAndSetByID checks the front's own answer to compare-and-set
// updates (cas.go) against MongoDB's matching rules, on FerretDB: the
// filter holds or not exactly as the server would decide, and the update
// is applied exactly when it holds.
func TestCompareAndSetByID(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := ctxT(t)
	coll := db.Collection("cas_by_id")
	at := time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC)
	oid := bson.NewObjectID()
	seed := bson.D{
		{Key: "version", Value: int64(3)}, {Key: "small", Value: int32(7)}, {Key: "price", Value: 9.5},
		{Key: "status", Value: "created"}, {Key: "paid", Value: false}, {Key: "at", Value: at},
		{Key: "ref", Value: oid}, {Key: "tags", Value: bson.A{"a", "b"}}, {Key: "sub", Value: bson.D{{Key: "x", Value: 1}}},
	}
	tests := []struct {
		name  string
		id    any
		conds bson.D
		want  int64 // matched
	}{
		{"version", nil, bson.D{{Key: "version", Value: int64(3)}}, 1},
		{"stale version", nil, bson.D{{Key: "version", Value: int64(2)}}, 0},
		{"int32 against int64", nil, bson.D{{Key: "version", Value: int32(3)}}, 1},
		{"double against int64", nil, bson.D{{Key: "version", Value: 3.0}}, 1},
		{"int64 against int32", nil, bson.D{{Key: "small", Value: int64(7)}}, 1},
		{"int against double", nil, bson.D{{Key: "price", Value: int64(9)}}, 0},
		{"double", nil, bson.D{{Key: "price", Value: 9.5}}, 1},
		{"string", nil, bson.D{{Key: "status", Value: "created"}}, 1},
		{"other string", nil, bson.D{{Key: "status", Value: "cancelled"}}, 0},
		{"string against number", nil, bson.D{{Key: "version", Value: "3"}}, 0},
		{"bool", nil, bson.D{{Key: "paid", Value: false}}, 1},
		{"date", nil, bson.D{{Key: "at", Value: at}}, 1},
		{"other date", nil, bson.D{{Key: "at", Value: at.Add(time.Millisecond)}}, 0},
		{"object id", nil, bson.D{{Key: "ref", Value: oid}}, 1},
		{"missing field", nil, bson.D{{Key: "nope", Value: "x"}}, 0},
		{"all of several", nil, bson.D{{Key: "version", Value: int64(3)}, {Key: "status", Value: "created"}}, 1},
		{"one of several fails", nil, bson.D{{Key: "version", Value: int64(3)}, {Key: "status", Value: "complete"}}, 0},
		{"array element (left to the server)", nil, bson.D{{Key: "tags", Value: "a"}}, 1},
		{"null (left to the server)", nil, bson.D{{Key: "orderId", Value: nil}}, 1},
		{"operator (left to the server)", nil, bson.D{{Key: "version", Value: bson.D{{Key: "$gt", Value: 2}}}}, 1},
		{"dotted (left to the server)", nil, bson.D{{Key: "sub.x", Value: 1}}, 1},
		{"unknown id", bson.NewObjectID(), bson.D{{Key: "version", Value: int64(3)}}, 0},
		{"string id", "s", bson.D{{Key: "version", Value: int64(3)}}, 1},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var id any = bson.NewObjectID()
			if s, ok := tc.id.(string); ok {
				id = s + fmt.Sprint(i)
			}
			if _, err := coll.InsertOne(ctx, append(bson.D{{Key: "_id", Value: id}}, seed...)); err != nil {
				t.Fatal(err)
			}
			if tc.id != nil && tc.id != "s" {
				id = tc.id
			}
			filter := append(bson.D{{Key: "_id", Value: id}}, tc.conds...)
			for _, via := range []string{"driver", "command"} {
				mark := fmt.Sprint(via, i)
				var matched int64
				update := bson.D{{Key: "$set", Value: bson.D{{Key: "mark", Value: mark}}}}
				if via == "driver" { // the updates travel as a document sequence
					res, err := coll.UpdateOne(ctx, filter, update)
					if err != nil {
						t.Fatal(err)
					}
					matched = res.MatchedCount
				} else { // inline in the command's body
					var res struct{ N int64 }
					err := db.RunCommand(ctx, bson.D{{Key: "update", Value: coll.Name()},
						{Key: "updates", Value: bson.A{bson.D{{Key: "q", Value: filter}, {Key: "u", Value: update}}}}}).Decode(&res)
					if err != nil {
						t.Fatal(err)
					}
					matched = res.N
				}
				if matched != tc.want {
					t.Errorf("%s: matched = %d, want %d", via, matched, tc.want)
				}
				var got struct{ Mark string }
				err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got)
				if tc.want == 0 {
					if err == nil && got.Mark == mark {
						t.Errorf("%s: a failed compare-and-set changed the document", via)
					}
				} else if err != nil || got.Mark != mark {
					t.Errorf("%s: document mark = %q, %v; want %q", via, got.Mark, err, mark)
				}
			}
		})
	}

	t.Run("one winner per version", func(t *testing.T) {
		for round := range 5 {
			id := bson.NewObjectID()
			if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(0)}}); err != nil {
				t.Fatal(err)
			}
			oneWinner(t, round, func(i int) (*mongo.UpdateResult, error) {
				return coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(0)}},
					bson.D{{Key: "$set", Value: bson.D{{Key: "by", Value: i}}}, {Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
			})
		}
	})
}

// TestCompareAndSetBulkAndDelete checks the front's compare-and-set on
// the statements of a bulk write and on conditional deletes: each
// statement's outcome is MongoDB's, also when a later statement names the
// document an earlier one changed.
func TestCompareAndSetBulkAndDelete(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := ctxT(t)
	coll := db.Collection("cas_bulk")
	ids := make([]bson.ObjectID, 4)
	for i := range ids {
		ids[i] = bson.NewObjectID()
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: ids[i]}, {Key: "version", Value: int64(0)}}); err != nil {
			t.Fatal(err)
		}
	}
	bump := func(id bson.ObjectID, from int64) mongo.WriteModel {
		return mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}, {Key: "version", Value: from}}).
			SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	}
	for _, ordered := range []bool{true, false} {
		base := int64(0)
		if !ordered {
			base = 2
		}
		res, err := coll.BulkWrite(ctx, []mongo.WriteModel{
			bump(ids[0], base),   // matches
			bump(ids[1], base+7), // stale
			bump(ids[0], base+1), // matches after the first statement
			mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: ids[2]}, {Key: "version", Value: int64(9)}}), // stale
		}, options.BulkWrite().SetOrdered(ordered))
		if err != nil {
			t.Fatal(err)
		}
		if res.MatchedCount != 2 || res.DeletedCount != 0 {
			t.Errorf("ordered %v: matched %d, deleted %d; want 2, 0", ordered, res.MatchedCount, res.DeletedCount)
		}
	}
	var got struct{ Version int64 }
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: ids[0]}}).Decode(&got); err != nil || got.Version != 4 {
		t.Errorf("document bumped twice per bulk: version %d, %v; want 4", got.Version, err)
	}

	// Of 100 concurrent conditional deletes, the one naming the current
	// holder removes the document; the others leave it.
	for round := range 3 {
		slot := fmt.Sprintf("user/%d", round)
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: slot}, {Key: "order", Value: ids[3]}}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		deleted := int64(0)
		errs := parallel(100, func(i int) error {
			owner := bson.NewObjectID()
			if i == 50 {
				owner = ids[3]
			}
			res, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: slot}, {Key: "order", Value: owner}})
			if err != nil {
				return err
			}
			mu.Lock()
			deleted += res.DeletedCount
			mu.Unlock()
			return nil
		})
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		n, err := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: slot}})
		if deleted != 1 || n != 0 || err != nil {
			t.Errorf("round %d: %d deleted, %d left (%v); want 1, 0", round, deleted, n, err)
		}
	}
}

// TestBulkWrites checks the front's statement-by-statement forwarding of
// bulk writes: large bulks complete (FerretDB alone waits for itself past a
// hundred statements), and the reply counts and write errors are MongoDB's.
func TestBulkWrites(t *testing.T) {
	t.Parallel()
	db := setup(t, true)
	ctx := ctxT(t)
	coll := db.Collection("bulk")
	const docs = 150
	ids := make([]any, docs)
	for i := range ids {
		ids[i] = bson.D{{Key: "_id", Value: i}, {Key: "n", Value: 0}, {Key: "s", Value: "text"}}
	}
	if _, err := coll.InsertMany(ctx, ids); err != nil {
		t.Fatal(err)
	}
	inc := func(id int, field string) mongo.WriteModel {
		return mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).
			SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: field, Value: 1}}}})
	}
	all := make([]mongo.WriteModel, docs)
	for i := range all {
		all[i] = inc(i, "n")
	}
	res, err := coll.BulkWrite(ctx, all)
	if err != nil || res.MatchedCount != docs || res.ModifiedCount != docs {
		t.Fatalf("bulk of %d: %+v, %v", docs, res, err)
	}

	for _, ordered := range []bool{true, false} {
		// The second statement fails: $inc of a string.
		res, err := coll.BulkWrite(ctx, []mongo.WriteModel{inc(0, "n"), inc(1, "s"), inc(2, "n")},
			options.BulkWrite().SetOrdered(ordered))
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || len(bwe.WriteErrors) != 1 || bwe.WriteErrors[0].Index != 1 {
			t.Fatalf("ordered %v: err = %v, want one write error at index 1", ordered, err)
		}
		want := int64(1) // an ordered bulk stops at its error
		if !ordered {
			want = 2
		}
		if res.ModifiedCount != want {
			t.Errorf("ordered %v: modified %d, want %d", ordered, res.ModifiedCount, want)
		}
	}

	del, err := coll.BulkWrite(ctx, []mongo.WriteModel{
		mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: 10}}),
		mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: 10}}), // gone by then
		mongo.NewDeleteManyModel().SetFilter(bson.D{{Key: "_id", Value: 11}}),
	})
	if err != nil || del.DeletedCount != 2 {
		t.Errorf("bulk delete: %+v, %v; want 2 deleted", del, err)
	}
}

// TestCollectionHook checks that the hook hears of each collection once,
// and again after it was dropped.
func TestCollectionHook(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	fdb, err := ferret.Start(t.TempDir(), 0, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fdb.Stop)
	var mu sync.Mutex
	var calls []string
	hook := func(db, coll string) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, db+"."+coll)
		return fdb.IndexIDPath(db, coll)
	}
	front, err := mongofront.Start("127.0.0.1:0", fdb.Addr(), log, mongofront.WithCollectionHook(hook))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = front.Close() })
	client, err := mongo.Connect(options.Client().ApplyURI(front.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	ctx := ctxT(t)
	a, b := client.Database("h").Collection("a"), client.Database("h").Collection("b")

	steps := []struct {
		name string
		do   func() error
		want []string // the calls so far
	}{
		{"find creates nothing", func() error { return a.FindOne(ctx, bson.D{}).Err() }, nil},
		{"first insert", func() error { _, err := a.InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); return err }, []string{"h.a"}},
		{"second insert", func() error { _, err := a.InsertOne(ctx, bson.D{{Key: "x", Value: 2}}); return err }, []string{"h.a"}},
		{"update of a missing collection (FerretDB creates it)", func() error {
			_, err := b.UpdateOne(ctx, bson.D{{Key: "_id", Value: 1}}, bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}})
			return err
		}, []string{"h.a", "h.b"}},
		{"insert into it", func() error { _, err := b.InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); return err }, []string{"h.a", "h.b"}},
		{"drop", func() error { return a.Drop(ctx) }, []string{"h.a", "h.b"}},
		{"insert after drop", func() error { _, err := a.InsertOne(ctx, bson.D{{Key: "x", Value: 3}}); return err }, []string{"h.a", "h.b", "h.a"}},
		{"drop database", func() error { return client.Database("h").Drop(ctx) }, []string{"h.a", "h.b", "h.a"}},
		{"insert after dropDatabase", func() error { _, err := b.InsertOne(ctx, bson.D{{Key: "x", Value: 4}}); return err }, []string{"h.a", "h.b", "h.a", "h.b"}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			t.Fatalf("%s: %v", s.name, err)
		}
		mu.Lock()
		got := fmt.Sprint(calls)
		mu.Unlock()
		if want := fmt.Sprint(s.want); got != want {
			t.Fatalf("after %s: hook calls = %s, want %s", s.name, got, want)
		}
	}
}

// TestReadsDuringWrites checks that reads, which take no lock, never see a
// document half written: writers set a and b together, readers find them
// equal, and each version still has one writer.
func TestReadsDuringWrites(t *testing.T) {
	t.Parallel()
	db := setup(t)
	ctx := ctxT(t)
	coll := db.Collection("torn")
	id := bson.NewObjectID()
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(0)}, {Key: "a", Value: 0}, {Key: "b", Value: 0}}); err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Version int64
		A, B    int
	}
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(readErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			var d doc
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
				readErr <- err
				return
			}
			if d.A != d.B {
				readErr <- fmt.Errorf("read a torn document: %+v", d)
				return
			}
		}
	}()
	var mu sync.Mutex
	won := map[int64]int{}
	errs := parallel(50, func(i int) error {
		for range 5 {
			var d doc
			if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
				return err
			}
			res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: d.Version}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "version", Value: d.Version + 1}, {Key: "a", Value: i}, {Key: "b", Value: i}}}})
			if err != nil {
				return err
			}
			mu.Lock()
			won[d.Version] += int(res.ModifiedCount)
			mu.Unlock()
		}
		return nil
	})
	close(stop)
	if err := errors.Join(append(errs, <-readErr)...); err != nil {
		t.Fatal(err)
	}
	wins := 0
	for v, n := range won {
		if n > 1 {
			t.Errorf("version %d: %d writers won, want at most 1", v, n)
		}
		wins += n
	}
	var d doc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if got, want := int(d.Version), wins; got != want {
		t.Errorf("final version %d, want %d (one per winning write)", got, want)
	}
}
