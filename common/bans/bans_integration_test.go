//go:build integration

package bans_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bans"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
)

// TestBanReachesEveryReplica: the replica whose listener heard user:banned
// applies it at once; another replica of the service, on the same
// database, within a refresh (logged); a replica started later, at once;
// and hearing the event again changes nothing.
func TestBanReachesEveryReplica(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	heard, other := load(t, db), load(t, db)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go other.Run(runCtx)

	e := events.UserBanned{ID: "65a1b2c3d4e5f60718293a4b", Version: 1}
	if heard.Has(e.ID) || other.Has(e.ID) {
		t.Fatal("banned before the ban")
	}
	if err := heard.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	if !heard.Has(e.ID) {
		t.Error("the replica that heard the ban does not apply it")
	}
	for !other.Has(e.ID) {
		if time.Since(at) > 10*time.Second {
			t.Fatal("the other replica never applied the ban")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the other replica applied the ban after %v", time.Since(at))
	if err := heard.Record(ctx, e); err != nil {
		t.Errorf("hearing the ban again: %v", err)
	}
	later, err := bans.Load(ctx, db, log)
	if err != nil || !later.Has(e.ID) || later.Has("someone-else") {
		t.Errorf("a replica started later: err %v, has %v", err, later.Has(e.ID))
	}
}

func load(t *testing.T, db *mongo.Database) *bans.Set {
	t.Helper()
	s, err := bans.Load(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
