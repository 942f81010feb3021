// Package memstore is the base of the in-memory stores that hermetic tests
// use in place of MongoDB: a table of values by document id and the log of
// the events the writes would publish, both safe for concurrent use.
package memstore

import (
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
)

// Table holds values of V by id. The zero value is ready to use.
type Table[V any] struct {
	mu   sync.Mutex
	rows map[bson.ObjectID]V
}

// Put stores v under id, replacing what was there.
func (t *Table[V]) Put(id bson.ObjectID, v V) {
	_ = t.Do(func(rows map[bson.ObjectID]V) error {
		rows[id] = v
		return nil
	})
}

// Get returns the value stored under id, or notFound.
func (t *Table[V]) Get(id bson.ObjectID, notFound error) (V, error) {
	var v V
	err := t.Do(func(rows map[bson.ObjectID]V) error {
		var ok bool
		if v, ok = rows[id]; !ok {
			return notFound
		}
		return nil
	})
	return v, err
}

// Do runs f on the rows under the table's lock, so that f can read, check
// and change them in one step, and returns what f returns.
func (t *Table[V]) Do(f func(rows map[bson.ObjectID]V) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rows == nil {
		t.rows = make(map[bson.ObjectID]V)
	}
	return f(t.rows)
}

// Events is the log of the events a store's writes would publish, safe
// for concurrent use. The zero value is ready to use.
type Events struct {
	mu   sync.Mutex
	list []events.Event
}

// Add records evs after the events recorded so far.
func (e *Events) Add(evs ...events.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append(e.list, evs...)
}

// All returns the events recorded so far.
func (e *Events) All() []events.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.list)
}
