package memstore_test

import (
	"errors"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/memstore"
)

var errNotFound = errors.New("not found")

func TestTable(t *testing.T) {
	t.Parallel()
	var tab memstore.Table[string]
	id := bson.NewObjectID()
	if _, err := tab.Get(id, errNotFound); !errors.Is(err, errNotFound) {
		t.Fatalf("Get of an empty table = %v, want %v", err, errNotFound)
	}
	tab.Put(id, "a")
	if got, err := tab.Get(id, errNotFound); err != nil || got != "a" {
		t.Fatalf("Get = %q, %v; want a, nil", got, err)
	}
	errTaken := errors.New("taken")
	err := tab.Do(func(rows map[bson.ObjectID]string) error {
		if _, ok := rows[id]; ok {
			return errTaken
		}
		return nil
	})
	if !errors.Is(err, errTaken) {
		t.Errorf("Do = %v, want what f returned (%v)", err, errTaken)
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	var log memstore.Events
	if got := log.All(); len(got) != 0 {
		t.Fatalf("All of an empty log = %v", got)
	}
	log.Add(events.OrderCancelled{ID: "o1"})
	log.Add(events.ExpirationComplete{OrderID: "o1"}, events.OrderCancelled{ID: "o2"})
	got := log.All()
	want := []events.Event{events.OrderCancelled{ID: "o1"}, events.ExpirationComplete{OrderID: "o1"}, events.OrderCancelled{ID: "o2"}}
	if !slices.Equal(got, want) {
		t.Errorf("All = %v, want %v in the order added", got, want)
	}
	got[0] = nil
	if log.All()[0] == nil {
		t.Error("All returned the log itself, not a copy")
	}
}
