package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// QuotaCollection is the collection that counts ticket creations: one
// document per user and window.
const QuotaCollection = "creations"

// Quota is a ticket.Quota on a MongoDB collection, shared by every replica
// of the service. A user's window is one document whose _id names the user
// and the window's start; each creation is one $inc on that exact _id
// (atomic, and the one filter FerretDB looks up by index). Documents of
// past windows are never read again: a TTL index removes them, and on a
// server without TTL indexes (FerretDB) Take sweeps them once per window.
type Quota struct {
	coll   *mongo.Collection
	limit  int
	window time.Duration
	log    *slog.Logger
	noTTL  bool

	swept atomic.Int64 // the start (Unix ns) of the window last swept
}

var _ ticket.Quota = (*Quota)(nil)

type quotaDoc struct {
	ID       string    `bson:"_id"` // userId/window start
	UserID   string    `bson:"userId"`
	Count    int64     `bson:"count"`
	ExpireAt time.Time `bson:"expireAt"` // the window's end: the TTL index's field
}

// codeNotImplemented is the server error FerretDB answers for a TTL index.
const codeNotImplemented = 238

// NewQuota returns a cap of limit creations per user per window on db,
// after creating its TTL index where the server has them.
func NewQuota(ctx context.Context, db *mongo.Database, limit int, window time.Duration, log *slog.Logger) (*Quota, error) {
	if limit < 1 || window <= 0 {
		return nil, fmt.Errorf("quota of %d per %v: want at least 1 per a positive window", limit, window)
	}
	q := &Quota{coll: db.Collection(QuotaCollection), limit: limit, window: window, log: log}
	_, err := q.coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "expireAt", Value: 1}},
		Options: options.Index().SetExpireAfterSeconds(0).SetName("expire_at_ttl"),
	})
	var se mongo.ServerError
	switch {
	case errors.As(err, &se) && se.HasErrorCode(codeNotImplemented):
		q.noTTL = true
	case err != nil:
		return nil, fmt.Errorf("create TTL index on %s.expireAt: %w", QuotaCollection, err)
	}
	return q, nil
}

// Take implements ticket.Quota.
func (q *Quota) Take(ctx context.Context, userID string, now time.Time) error {
	start := now.UTC().Truncate(q.window)
	end := start.Add(q.window)
	q.sweep(ctx, start)
	id := userID + "/" + start.Format(time.RFC3339)
	var d quotaDoc
	var err error
	for range 2 { // two first creations at once: one inserts, the other counts in it
		err = q.coll.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: id}},
			bson.D{
				{Key: "$inc", Value: bson.D{{Key: "count", Value: int64(1)}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "userId", Value: userID}, {Key: "expireAt", Value: end}}},
			},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After),
		).Decode(&d)
		if !mongo.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("count ticket creation of %s: %w", userID, err)
	}
	if d.Count > int64(q.limit) {
		return &ticket.QuotaError{Limit: q.limit, Window: q.window, RetryAfter: end.Sub(now)}
	}
	return nil
}

// sweep removes the documents of past windows, once per window per
// process, on a server without TTL indexes.
func (q *Quota) sweep(ctx context.Context, start time.Time) {
	last := q.swept.Load()
	if !q.noTTL || last >= start.UnixNano() || !q.swept.CompareAndSwap(last, start.UnixNano()) {
		return
	}
	if _, err := q.DeleteExpired(ctx, start); err != nil {
		q.log.Warn("sweep ticket creation counts", "err", err)
	}
}

// DeleteExpired removes the documents whose window had ended by now, as a
// TTL index would, and returns how many it removed.
func (q *Quota) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	res, err := q.coll.DeleteMany(ctx, bson.D{{Key: "expireAt", Value: bson.D{{Key: "$lte", Value: now}}}})
	if err != nil {
		return 0, fmt.Errorf("delete expired ticket creation counts: %w", err)
	}
	return res.DeletedCount, nil
}
