//go:build integration

package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
)

var discard = slog.New(slog.DiscardHandler)

type doc struct {
	ID     bson.ObjectID    `bson:"_id"`
	N      int              `bson:"n"`
	Outbox []outbox.Message `bson:"outbox,omitempty"`
}

func msg(t *testing.T, orderID string) outbox.Message {
	t.Helper()
	m, err := outbox.New(context.Background(), events.ExpirationComplete{OrderID: orderID})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func setup(t *testing.T) (*mongo.Collection, *bus.Conn, *bustest.Recorder[events.ExpirationComplete], string) {
	t.Helper()
	coll := testenv.Mongo(t).Collection("things")
	url, cluster := testenv.NATS(t)
	conn := bustest.Connect(t, url, cluster)
	prefix := bson.NewObjectID().Hex() + "-"
	return coll, conn, bustest.Record[events.ExpirationComplete](t, conn), prefix
}

func run(t *testing.T, r *outbox.Relay) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func pending(t *testing.T, coll *mongo.Collection, id bson.ObjectID) int {
	t.Helper()
	var d doc
	if err := coll.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	return len(d.Outbox)
}

func hasPrefix(p string) func(events.ExpirationComplete) bool {
	return func(e events.ExpirationComplete) bool { return strings.HasPrefix(e.OrderID, p) }
}

func TestEventIsPublishedAfterWrite(t *testing.T) {
	t.Parallel()
	coll, conn, rec, p := setup(t)
	relay := outbox.NewRelay(coll, conn, discard, time.Hour) // no sweep: Notify alone must do it
	run(t, relay)

	ctx := context.Background()
	d := doc{ID: bson.NewObjectID(), Outbox: []outbox.Message{msg(t, p+"created")}}
	if _, err := coll.InsertOne(ctx, d); err != nil {
		t.Fatal(err)
	}
	relay.Notify(d.ID)
	rec.Wait(t, 1, hasPrefix(p))

	_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, outbox.Push(msg(t, p+"updated"))})
	if err != nil {
		t.Fatal(err)
	}
	relay.Notify(d.ID)
	got := rec.Wait(t, 2, hasPrefix(p))
	if got[0].OrderID != p+"created" || got[1].OrderID != p+"updated" {
		t.Errorf("events = %+v", got)
	}
	bustest.Eventually(t, "outbox emptied", func() bool { return pending(t, coll, d.ID) == 0 })
}

func TestEventsLeftByACrashArePublishedByANewRelay(t *testing.T) {
	t.Parallel()
	coll, conn, rec, p := setup(t)
	// A "crashed" service: the write landed, its relay never ran.
	ids := make([]bson.ObjectID, 5)
	for i := range ids {
		ids[i] = bson.NewObjectID()
		if _, err := coll.InsertOne(context.Background(), doc{ID: ids[i], Outbox: []outbox.Message{msg(t, fmt.Sprintf("%s%d", p, i))}}); err != nil {
			t.Fatal(err)
		}
	}
	run(t, outbox.NewRelay(coll, conn, discard, time.Hour)) // found by the start-up sweep
	rec.Wait(t, 5, hasPrefix(p))
	for _, id := range ids {
		bustest.Eventually(t, "outbox emptied", func() bool { return pending(t, coll, id) == 0 })
	}
}

func TestPeriodicSweepFindsUnnotifiedEvents(t *testing.T) {
	t.Parallel()
	coll, conn, rec, p := setup(t)
	run(t, outbox.NewRelay(coll, conn, discard, 100*time.Millisecond))
	time.Sleep(50 * time.Millisecond) // after the start-up sweep
	if _, err := coll.InsertOne(context.Background(), doc{ID: bson.NewObjectID(), Outbox: []outbox.Message{msg(t, p+"late")}}); err != nil {
		t.Fatal(err)
	}
	rec.Wait(t, 1, hasPrefix(p))
}

func TestPerEntityOrderIsKept(t *testing.T) {
	t.Parallel()
	coll, conn, rec, p := setup(t)
	relay := outbox.NewRelay(coll, conn, discard, 50*time.Millisecond)
	run(t, relay)

	const entities, updates = 5, 20
	ctx := context.Background()
	errc := make(chan error, entities)
	for e := range entities {
		go func() {
			id := bson.NewObjectID()
			if _, err := coll.InsertOne(ctx, doc{ID: id}); err != nil {
				errc <- err
				return
			}
			for i := range updates {
				m, _ := outbox.New(context.Background(), events.ExpirationComplete{OrderID: fmt.Sprintf("%s%d-%02d", p, e, i)})
				if _, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
					bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}, outbox.Push(m)}); err != nil {
					errc <- err
					return
				}
				relay.Notify(id)
			}
			errc <- nil
		}()
	}
	for range entities {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	got := rec.Wait(t, entities*updates, hasPrefix(p))
	last := map[string]string{}
	for _, ev := range got {
		entity, seq, _ := strings.Cut(strings.TrimPrefix(ev.OrderID, p), "-")
		if prev, ok := last[entity]; ok && seq < prev {
			t.Errorf("entity %s: event %s published after %s", entity, seq, prev)
		}
		last[entity] = seq
	}
}

// flaky fails every publish while down is set.
type flaky struct {
	bus.Publisher
	down  atomic.Bool
	tried atomic.Int32
}

func (f *flaky) Publish(ctx context.Context, s events.Subject, data []byte) error {
	f.tried.Add(1)
	if f.down.Load() {
		return errors.New("nats unavailable")
	}
	return f.Publisher.Publish(ctx, s, data)
}

func TestEventIsKeptUntilAcked(t *testing.T) {
	t.Parallel()
	coll, conn, rec, p := setup(t)
	pub := &flaky{Publisher: conn}
	pub.down.Store(true)
	relay := outbox.NewRelay(coll, pub, discard, 50*time.Millisecond)
	run(t, relay)

	id := bson.NewObjectID()
	if _, err := coll.InsertOne(context.Background(), doc{ID: id, Outbox: []outbox.Message{msg(t, p+"a"), msg(t, p+"b")}}); err != nil {
		t.Fatal(err)
	}
	relay.Notify(id)
	bustest.Eventually(t, "several failed attempts", func() bool { return pub.tried.Load() >= 3 })
	if got := pending(t, coll, id); got != 2 {
		t.Fatalf("pending after failed publishes = %d, want 2", got)
	}
	pub.down.Store(false)
	got := rec.Wait(t, 2, hasPrefix(p))
	if got[0].OrderID != p+"a" || got[1].OrderID != p+"b" {
		t.Errorf("events = %+v", got)
	}
	bustest.Eventually(t, "outbox emptied", func() bool { return pending(t, coll, id) == 0 })
}

// TestABacklogIsWorkedOff: a relay that starts with hundreds of documents
// pending (a restart after an outage) publishes every event and empties
// every outbox. Its removals go out as bulk writes; on FerretDB a bulk of
// over a hundred statements used to take the whole connection pool of the
// database and wait for itself.
func TestABacklogIsWorkedOff(t *testing.T) {
	t.Parallel()
	coll, conn, rec, p := setup(t)
	ctx := context.Background()
	const docs = 300
	batch := make([]any, docs)
	for i := range batch {
		batch[i] = doc{ID: bson.NewObjectID(), Outbox: []outbox.Message{msg(t, fmt.Sprintf("%s%03d", p, i))}}
	}
	if _, err := coll.InsertMany(ctx, batch); err != nil {
		t.Fatal(err)
	}
	run(t, outbox.NewRelay(coll, conn, discard, time.Hour)) // its first sweep finds them
	rec.Wait(t, docs, hasPrefix(p))
	bustest.Eventually(t, "every outbox empty", func() bool {
		n, err := coll.CountDocuments(ctx, bson.D{{Key: outbox.Field + ".0", Value: bson.D{{Key: "$exists", Value: true}}}})
		return err == nil && n == 0
	})
}
