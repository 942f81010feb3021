// Package ticket is the domain of the tickets service: a ticket for sale,
// its price in cents, the rules for editing it, and the reservation lock
// (the order that holds it).
package ticket

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
)

// Ticket is a ticket for sale.
type Ticket struct {
	ID      bson.ObjectID
	Title   string
	Price   Cents
	UserID  string // the seller
	OrderID string // the order that reserves the ticket; "" while it is for sale
	Version int64  // +1 on every change
	// CancelledOrders are the ids of the orders whose order:cancelled was
	// applied, oldest first (at most MaxCancelledOrders): a late
	// order:created of one of them must not reserve the ticket.
	CancelledOrders []string
}

// MaxCancelledOrders bounds Ticket.CancelledOrders, so that orders placed
// and cancelled again and again cannot grow a ticket without end. Only an
// order:created that stays unapplied while that many later orders of the
// same ticket are cancelled could slip past the bound.
const MaxCancelledOrders = 100

// Reserved reports whether an order holds the ticket.
func (t Ticket) Reserved() bool { return t.OrderID != "" }

// Cancelled reports whether the order orderID was cancelled on t.
func (t Ticket) Cancelled(orderID string) bool { return slices.Contains(t.CancelledOrders, orderID) }

// Reserve applies order:created of the order orderID: the order takes the
// free ticket. It reports false, changing nothing, when the order holds
// the ticket already (a redelivery) or was cancelled already (its
// order:cancelled came first). A ticket held by another order gives
// ErrReserved: that order's order:cancelled has not been applied yet —
// orders lets one order hold a ticket at a time, so the ticket is free
// for this one once it is.
func (t *Ticket) Reserve(orderID string) (bool, error) {
	switch {
	case t.OrderID == orderID, t.Cancelled(orderID):
		return false, nil
	case t.Reserved():
		return false, ErrReserved
	}
	t.OrderID = orderID
	return true, nil
}

// Cancel applies the cancellation of the order orderID: it releases the
// ticket if that order holds it, and remembers the order as cancelled —
// also when it does not hold the ticket (its order:created may still be on
// its way). It reports false, changing nothing, if the order was already
// cancelled on t.
func (t *Ticket) Cancel(orderID string) bool {
	if t.Cancelled(orderID) {
		return false
	}
	if t.OrderID == orderID {
		t.OrderID = ""
	}
	t.CancelledOrders = append(slices.Clone(t.CancelledOrders), orderID)
	if n := len(t.CancelledOrders); n > MaxCancelledOrders {
		t.CancelledOrders = t.CancelledOrders[n-MaxCancelledOrders:]
	}
	return true
}

// CreatedEvent is the ticket:created event that announces t.
func (t Ticket) CreatedEvent() events.TicketCreated {
	return events.TicketCreated{ID: t.ID.Hex(), Version: t.Version, Title: t.Title, Price: t.Price.Dollars(), UserID: t.UserID}
}

// UpdatedEvent is the ticket:updated event that announces t's current state.
func (t Ticket) UpdatedEvent() events.TicketUpdated {
	return events.TicketUpdated{ID: t.ID.Hex(), Version: t.Version, Title: t.Title, Price: t.Price.Dollars(), UserID: t.UserID, OrderID: t.OrderID}
}

// Errors of the domain; the HTTP layer maps them to responses.
var (
	ErrNotFound = errors.New("ticket not found")
	ErrConflict = errors.New("ticket was changed concurrently")
	ErrReserved = errors.New("ticket is reserved")
	ErrNotOwner = errors.New("not the ticket's seller")
)

// Store keeps tickets. Every write also records the event that announces
// it, in the same atomic write (the outbox of SPEC §8): Create records
// ticket:created and Save records ticket:updated.
type Store interface {
	// Create stores t as a new ticket at version 0, with a new ID, unreserved.
	Create(ctx context.Context, t Ticket) (Ticket, error)
	// Get returns the ticket id, or ErrNotFound.
	Get(ctx context.Context, id bson.ObjectID) (Ticket, error)
	// ListAvailable returns a page of the unreserved tickets, oldest
	// first (by ID): at most p.Limit of them, those after p.After.
	ListAvailable(ctx context.Context, p Page) ([]Ticket, error)
	// Save writes t as version t.Version+1 if the stored ticket is still at
	// t.Version, and returns what it wrote; otherwise it changes nothing and
	// returns ErrConflict.
	Save(ctx context.Context, t Ticket) (Ticket, error)
}

// Page selects a page of the list of tickets for sale. IDs grow with time,
// so the order by ID is the order of creation, and it is stable: a ticket
// created or reserved while someone pages cannot shift the pages after it.
type Page struct {
	After bson.ObjectID // the last ticket of the previous page; zero: from the first
	Limit int           // at most this many tickets; at least 1
}

// MaxAttempts bounds how often Update re-reads a ticket that was changed
// under it.
const MaxAttempts = 5

// Update reads the ticket id, applies change to it and saves it under
// optimistic concurrency. When another write got in between, it waits a
// moment (a few random milliseconds, so that racing writers spread out),
// reads the fresh ticket and tries again — change, and so every rule in it,
// runs again — up to MaxAttempts times; then it returns ErrConflict. An
// error from change is returned as it is, and nothing is written.
func Update(ctx context.Context, s Store, id bson.ObjectID, change func(*Ticket) error) (Ticket, error) {
	for attempt := range MaxAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return Ticket{}, err
			}
		}
		t, err := s.Get(ctx, id)
		if err != nil {
			return Ticket{}, err
		}
		if err := change(&t); err != nil {
			return Ticket{}, err
		}
		saved, err := s.Save(ctx, t)
		if errors.Is(err, ErrConflict) {
			continue
		}
		return saved, err
	}
	return Ticket{}, ErrConflict
}

// backoff waits a random time of up to attempt × 4 ms.
func backoff(ctx context.Context, attempt int) error {
	timer := time.NewTimer(rand.N(time.Duration(attempt) * 4 * time.Millisecond))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// Edit is the seller's change of title and price (PUT /api/tickets/:id). A
// reserved ticket cannot be edited (ErrReserved, checked first, as in SPEC
// §5), and only by its seller (ErrNotOwner).
func Edit(userID, title string, price Cents) func(*Ticket) error {
	return func(t *Ticket) error {
		if t.Reserved() {
			return ErrReserved
		}
		if t.UserID != userID {
			return ErrNotOwner
		}
		t.Title, t.Price = title, price
		return nil
	}
}
