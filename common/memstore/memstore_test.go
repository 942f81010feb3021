package memstore_test

import (
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

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
