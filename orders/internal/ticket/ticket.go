// Package ticket is the orders service's replica of the tickets that the
// tickets service owns. The replica is written only by the listeners of
// ticket:created and ticket:updated; routes only read it.
package ticket

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Ticket is the replica of a ticket: what an order needs to know of it.
type Ticket struct {
	ID      bson.ObjectID
	Title   string
	Price   float64 // dollars, as on the wire; orders never computes with it
	Version int64
}

var (
	// ErrNotFound: no replica of that ticket (yet).
	ErrNotFound = errors.New("ticket not found")
	// ErrExists: the replica was already created (a redelivered ticket:created).
	ErrExists = errors.New("ticket already exists")
	// ErrVersion: the replica is not at the version just before the update.
	ErrVersion = errors.New("ticket version mismatch")
)

// Store keeps the replicas.
type Store interface {
	// Get returns the replica with id, or ErrNotFound.
	Get(ctx context.Context, id bson.ObjectID) (Ticket, error)
	// Create inserts t, or returns ErrExists.
	Create(ctx context.Context, t Ticket) error
	// Update replaces the title, price and version of the replica with
	// t.ID if, and only if, it is at version t.Version-1; else ErrVersion
	// (which includes a replica that does not exist).
	Update(ctx context.Context, t Ticket) error
}
