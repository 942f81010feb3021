// Package bans keeps the users a service no longer honours the tokens of
// (user:banned, SPEC §11). The service's listener records each ban in the
// service's own database; every replica reads the whole set from there
// every RefreshInterval, since a queue group delivers an event to one
// replica only. The auth middleware asks Has (auth.Verifier.Banned).
package bans

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/periodic"
)

// Collection holds one document per banned user, keyed by the user id.
const Collection = "banned_users"

// RefreshInterval is how often a replica reads the set again: a ban takes
// effect on every replica within about this much after its event.
const RefreshInterval = 250 * time.Millisecond

// Set is the banned users of one service.
type Set struct {
	coll *mongo.Collection
	log  *slog.Logger
	ids  atomic.Pointer[map[string]struct{}]
}

// Load returns the set of db, read once.
func Load(ctx context.Context, db *mongo.Database, log *slog.Logger) (*Set, error) {
	s := &Set{coll: db.Collection(Collection), log: log}
	if err := s.refresh(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Has reports whether the user of id is banned.
func (s *Set) Has(id string) bool {
	_, ok := (*s.ids.Load())[id]
	return ok
}

// Record is the user:banned handler: it stores the ban (idempotent) and
// applies it at once on this replica.
func (s *Set) Record(ctx context.Context, e events.UserBanned) error {
	_, err := s.coll.InsertOne(ctx, bson.D{{Key: "_id", Value: e.ID}, {Key: "version", Value: e.Version},
		{Key: "at", Value: time.Now().UTC()}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("record ban of user %s: %w", e.ID, err)
	}
	s.add(e.ID)
	return nil
}

// Run reads the set every RefreshInterval until ctx is done (a worker of
// the service). A failed read keeps the set it had.
func (s *Set) Run(ctx context.Context) error {
	periodic.Run(ctx, RefreshInterval, func(ctx context.Context) {
		if err := s.refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("read banned users", "err", err)
		}
	})
	return nil
}

func (s *Set) refresh(ctx context.Context) error {
	cur, err := s.coll.Find(ctx, bson.D{})
	if err != nil {
		return fmt.Errorf("read banned users: %w", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return fmt.Errorf("read banned users: %w", err)
	}
	ids := make(map[string]struct{}, len(docs))
	for _, d := range docs {
		ids[d.ID] = struct{}{}
	}
	// Bans recorded here meanwhile stay: a ban is never lifted.
	for {
		old := s.ids.Load()
		if old != nil {
			for id := range *old {
				ids[id] = struct{}{}
			}
		}
		if s.ids.CompareAndSwap(old, &ids) {
			return nil
		}
	}
}

func (s *Set) add(id string) {
	for {
		old := s.ids.Load()
		if _, ok := (*old)[id]; ok {
			return
		}
		next := make(map[string]struct{}, len(*old)+1)
		for k := range *old {
			next[k] = struct{}{}
		}
		next[id] = struct{}{}
		if s.ids.CompareAndSwap(old, &next) {
			return
		}
	}
}
