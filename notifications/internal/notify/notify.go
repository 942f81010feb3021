// Package notify decides which emails the service sends and sends each one
// exactly once per order and kind (up to the one window SMTP leaves open;
// see Outbox).
//
// It keeps replicas of what the emails need, fed by events: users (id →
// email), tickets (id → title) and orders (buyer, ticket, price, expiry,
// paid or cancelled).
package notify

import (
	"errors"
	"regexp"
	"time"
)

// Kind is the kind of an email. With the order id it is the email's key in
// the sent-log: at most one email of each kind per order.
type Kind string

const (
	// KindReceipt is the buyer's receipt, sent on payment:created.
	KindReceipt Kind = "receipt"
	// KindExpired tells the buyer the reservation expired unpaid.
	KindExpired Kind = "expired"
)

// User is the replica of a user.
type User struct {
	ID      string
	Email   string
	Version int64
}

// Ticket is the replica of a ticket.
type Ticket struct {
	ID      string
	Title   string
	Price   float64
	Version int64
}

// Order is the replica of an order.
type Order struct {
	ID        string
	Version   int64
	UserID    string
	TicketID  string
	Price     float64 // dollars, the ticket's price when ordered
	ExpiresAt time.Time

	Paid bool
	// CancelledAt is when this service first heard the order:cancelled
	// (zero while the order is not cancelled). Recorded once, so a
	// redelivered event decides as the first delivery did.
	CancelledAt time.Time
}

// ExpiredUnpaid reports whether the order was cancelled by its expiry: it
// is cancelled, was never paid, and the cancellation was heard at or after
// its expiry time less skew (the expiration service's clock and this one's
// may differ a little).
//
// Orders' order:cancelled does not say why, so a user's own cancellation
// heard after the expiry time (this service was down) counts as expired too.
func (o Order) ExpiredUnpaid(skew time.Duration) bool {
	return !o.CancelledAt.IsZero() && !o.Paid && !o.CancelledAt.Before(o.ExpiresAt.Add(-skew))
}

// Errors of the stores.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("already exists")
	// ErrClaimLost: the claim on an email is no longer this holder's (its
	// lease ran out and another holder took it, or it was sent).
	ErrClaimLost = errors.New("claim lost")
	// ErrPermanent marks a send failure that retrying cannot fix (an SMTP
	// 5xx reply, an invalid address).
	ErrPermanent = errors.New("permanent failure")
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidID reports whether id can name an entity: 1 to 64 letters, digits,
// '_' or '-' (a MongoDB ObjectID in hex, in practice). Ids go into
// Message-ID headers, so nothing else is let through.
func ValidID(id string) bool { return idPattern.MatchString(id) }
