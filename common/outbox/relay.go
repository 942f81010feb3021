package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
)

// Relay publishes the pending events of one collection's documents. Call
// Notify after every write that pushed events, and Run once.
//
// Several relays (replicas of a service) may share a collection: an event
// may then be published twice, never lost; each relay publishes a
// document's events oldest first.
type Relay struct {
	coll    *mongo.Collection
	pub     bus.Publisher
	log     *slog.Logger
	sweep   time.Duration
	retry   time.Duration
	workers int

	mu      sync.Mutex
	pending map[bson.ObjectID]struct{}
	kick    chan struct{}
}

// NewRelay returns a relay for coll's documents. It sweeps the whole
// collection at start and every sweep interval (default 10 s), which
// publishes what a crash (of this or another replica) left behind. A failed
// publish is retried after a second.
func NewRelay(coll *mongo.Collection, pub bus.Publisher, log *slog.Logger, sweep time.Duration) *Relay {
	if sweep <= 0 {
		sweep = 10 * time.Second
	}
	return &Relay{
		coll: coll, pub: pub, log: log.With("outbox", coll.Name()), sweep: sweep, retry: time.Second, workers: 8,
		pending: make(map[bson.ObjectID]struct{}),
		kick:    make(chan struct{}, 1),
	}
}

// Notify tells the relay that the document id has new pending events.
// It never blocks.
func (r *Relay) Notify(id bson.ObjectID) {
	r.mu.Lock()
	r.pending[id] = struct{}{}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run publishes pending events until ctx is done.
//
// Sweeps run on their own goroutine: a sweep scans the whole collection,
// and a freshly notified event must not wait for it.
func (r *Relay) Run(ctx context.Context) error {
	sweeping := make(chan struct{})
	go func() {
		defer close(sweeping)
		ticker := time.NewTicker(r.sweep)
		defer ticker.Stop()
		for {
			r.sweepOnce(ctx)
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
	defer func() { <-sweeping }()
	for {
		r.flushPending(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-r.kick:
		}
	}
}

// sweepOnce queues every document that has pending events.
func (r *Relay) sweepOnce(ctx context.Context) {
	cur, err := r.coll.Find(ctx, bson.D{{Key: Field + ".0", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(1000))
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("outbox sweep", "err", err)
		}
		return
	}
	var docs []struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		if ctx.Err() == nil {
			r.log.Warn("outbox sweep", "err", err)
		}
		return
	}
	for _, d := range docs {
		r.Notify(d.ID)
	}
}

// flushPending publishes the events of every queued document, a few
// documents at a time and each document's events in order, and removes
// what a round published with bulk writes.
func (r *Relay) flushPending(ctx context.Context) {
	for ctx.Err() == nil {
		r.mu.Lock()
		ids := make([]bson.ObjectID, 0, min(len(r.pending), maxBatch))
		for id := range r.pending {
			if len(ids) == maxBatch {
				break // the rest in the next round
			}
			ids = append(ids, id)
			delete(r.pending, id)
		}
		r.mu.Unlock()
		if len(ids) == 0 {
			return
		}
		published := make([][]Message, len(ids))
		sem := make(chan struct{}, r.workers)
		var wg sync.WaitGroup
		for i, id := range ids {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				var err error
				published[i], err = r.publish(ctx, id)
				if err != nil && ctx.Err() == nil {
					// Left in the document: try again shortly (and the
					// sweep would find it too).
					r.log.Warn("outbox publish", "id", id.Hex(), "err", err)
					r.retryLater(id)
				}
			})
		}
		wg.Wait()
		r.remove(ctx, ids, published)
	}
}

// maxBatch bounds the documents of one round, and so of one bulk removal.
const maxBatch = 256

func (r *Relay) retryLater(id bson.ObjectID) {
	time.AfterFunc(r.retry, func() { r.Notify(id) })
}

// publish publishes the pending events of one document, oldest first, and
// returns those that went out. It reads the document once and does not
// read again: a write that pushes more entries notifies the relay after
// it, so the document is queued again. A failed publish keeps the rest, in
// order, for the retry.
func (r *Relay) publish(ctx context.Context, id bson.ObjectID) ([]Message, error) {
	var doc struct {
		Outbox []Message `bson:"outbox"`
	}
	err := r.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: Field, Value: 1}})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	for i, m := range doc.Outbox {
		// The entry's id is the message id: on JetStream a retry within
		// the duplicate window is stored once. It is published in the
		// trace of the request that wrote it.
		pctx := telemetry.WithTraceParent(bus.WithMsgID(ctx, m.ID), m.TraceParent)
		if err := r.pub.Publish(pctx, events.Subject(m.Subject), []byte(m.Data)); err != nil {
			return doc.Outbox[:i], err
		}
	}
	return doc.Outbox, nil
}

// remove takes the published entries out of their documents with bulk
// writes of up to maxStatements documents: a $pullAll by value per
// document, on an exact _id (entries another relay removed already, or
// written since the read, are untouched). When one fails, its documents
// are queued again: their events go out once more (at least once), and
// the removal is retried.
func (r *Relay) remove(ctx context.Context, ids []bson.ObjectID, published [][]Message) {
	var models []mongo.WriteModel
	var done []bson.ObjectID
	for i, msgs := range published {
		if len(msgs) == 0 {
			continue
		}
		models = append(models, mongo.NewUpdateOneModel().
			SetFilter(bson.D{{Key: "_id", Value: ids[i]}}).
			SetUpdate(bson.D{{Key: "$pullAll", Value: bson.D{{Key: Field, Value: msgs}}}}))
		done = append(done, ids[i])
	}
	for len(models) > 0 {
		n := min(len(models), maxStatements)
		if _, err := r.coll.BulkWrite(ctx, models[:n], options.BulkWrite().SetOrdered(false)); err != nil && ctx.Err() == nil {
			r.log.Warn("outbox remove published events", "documents", n, "err", err)
			for _, id := range done[:n] {
				r.retryLater(id)
			}
		}
		models, done = models[n:], done[n:]
	}
}

// maxStatements bounds the statements of one bulk write. FerretDB v1
// keeps each statement's query open, on a connection of its SQLite pool
// (100), until the whole command ends: a bulk of 128 statements took the
// whole pool and waited for itself, and the database stopped answering.
const maxStatements = 32
