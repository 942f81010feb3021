// Package order is the orders domain: an order reserves one ticket for one
// user until it is paid, cancelled or expired.
package order

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// Order is a user's order of one ticket.
type Order struct {
	ID        bson.ObjectID
	UserID    string
	Status    events.OrderStatus
	ExpiresAt time.Time
	Version   int64
	// Ticket is the ticket as it was when the order was placed.
	Ticket ticket.Ticket
	// Slot names the open-order slot the stored order holds (see
	// Service.MaxOpen), as the Store read it; empty when it holds none.
	// The Store gives it back when the order closes.
	Slot string
}

var (
	// ErrNotFound: no order with that id.
	ErrNotFound = errors.New("order not found")
	// ErrTicketReserved: another order holds the ticket.
	ErrTicketReserved = errors.New("ticket is already reserved")
	// ErrConflict: the stored order changed since it was read.
	ErrConflict = errors.New("order changed concurrently")
	// ErrCompleted: a paid order cannot be cancelled.
	ErrCompleted = errors.New("order is complete")
	// ErrCancelled: a cancelled order cannot be completed.
	ErrCancelled = errors.New("order is cancelled")
	// ErrTooManyOpen: the user already holds as many open orders as allowed.
	ErrTooManyOpen = errors.New("too many open orders")
)

// Open reports whether an order in status s is open: placed and not yet
// paid, cancelled or expired (created or awaiting:payment). A user may hold
// only a few open orders at once (Service.MaxOpen).
func Open(s events.OrderStatus) bool {
	return s == events.StatusCreated || s == events.StatusAwaitingPayment
}

// Store persists orders. Every write is one single-document write that
// also records the events announcing it (the outbox), so a change and its
// events are never separated.
type Store interface {
	// Create inserts o with evs. It returns ErrTicketReserved when an order
	// in a reserving status already holds o.Ticket, and ErrTooManyOpen
	// when o is open and o.UserID already holds maxOpen open orders
	// (maxOpen ≤ 0: no limit). Both hold under concurrent Creates, also
	// from several replicas: each check and the write are one atomic
	// insert.
	Create(ctx context.Context, o Order, maxOpen int, evs ...events.Event) error
	// Get returns the order with id, or ErrNotFound.
	Get(ctx context.Context, id bson.ObjectID) (Order, error)
	// ListByUser returns userID's orders, oldest first.
	ListByUser(ctx context.Context, userID string) ([]Order, error)
	// Update writes next's status and version if the stored order is
	// still at prev's version and status, else returns ErrConflict. The
	// order holds its ticket while next.Status.Reserves(), and counts
	// against its user's open orders while Open(next.Status).
	Update(ctx context.Context, prev, next Order, evs ...events.Event) error
}
