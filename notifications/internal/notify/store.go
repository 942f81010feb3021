package notify

import (
	"context"
	"time"
)

// Users is the replica of users. PutUser keeps the newest version: an
// older or equal one is ignored.
type Users interface {
	PutUser(ctx context.Context, u User) error
	User(ctx context.Context, id string) (User, error) // ErrNotFound
}

// Tickets is the replica of tickets; PutTicket keeps the newest version.
type Tickets interface {
	PutTicket(ctx context.Context, t Ticket) error
	Ticket(ctx context.Context, id string) (Ticket, error) // ErrNotFound
}

// Orders is the replica of orders.
type Orders interface {
	// CreateOrder inserts the order; ErrDuplicate when it exists.
	CreateOrder(ctx context.Context, o Order) error
	// CancelOrder records the cancellation at version, with CancelledAt =
	// at unless the order was cancelled before, and returns the order as
	// stored. ErrNotFound when the order is not replicated yet.
	CancelOrder(ctx context.Context, id string, version int64, at time.Time) (Order, error)
	// PayOrder marks the order paid and returns it; ErrNotFound as above.
	PayOrder(ctx context.Context, id string) (Order, error)
	Order(ctx context.Context, id string) (Order, error) // ErrNotFound
}

// State is the state of an email in the sent-log.
type State string

const (
	// StatePending: not sent yet. It is claimed by Token until Due, or,
	// with no Token, waits for its next attempt at Due.
	StatePending State = "pending"
	// StateSent: the SMTP server accepted it. Final.
	StateSent State = "sent"
	// StateFailed: it failed permanently or too often. Final.
	StateFailed State = "failed"
)

// Mail is one email of the sent-log, rendered when it is recorded.
type Mail struct {
	OrderID   string
	Kind      Kind
	To        string
	Subject   string
	Text      string // text/plain body
	HTML      string // text/html body
	MessageID string // without the angle brackets; derived from OrderID and Kind

	State     State
	Attempts  int       // failed sends so far
	Due       time.Time // end of the claim, or the time of the next attempt
	Token     string    // the claim's holder; empty when unclaimed
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
}

// Key is the mail's unique key in the sent-log: order id and kind.
func (m Mail) Key() string { return Key(m.OrderID, m.Kind) }

// Key returns the sent-log key of an order's email of a kind.
func Key(orderID string, kind Kind) string { return orderID + ":" + string(kind) }

// Outbox is the sent-log: one document per key under a unique index, so
// that an email is recorded once however often its event comes. Every
// change but Add is a compare-and-set on the claim's token.
type Outbox interface {
	// Add records m as given (pending, claimed by m.Token until m.Due);
	// ErrDuplicate when its key is recorded already.
	Add(ctx context.Context, m Mail) error
	// Get returns the mail of key; ErrNotFound.
	Get(ctx context.Context, key string) (Mail, error)
	// Due returns up to limit pending mails whose Due is not after now.
	Due(ctx context.Context, now time.Time, limit int) ([]Mail, error)
	// Claim takes m for token until until, if it is still pending, still
	// held by m.Token and due at now; else ErrClaimLost.
	Claim(ctx context.Context, m Mail, now time.Time, token string, until time.Time) error
	// MarkSent records the mail sent, if token holds it; else
	// ErrClaimLost (nil when it is sent already).
	MarkSent(ctx context.Context, key, token string, at time.Time) error
	// Reschedule releases token's claim and sets the next attempt; else
	// ErrClaimLost.
	Reschedule(ctx context.Context, key, token string, attempts int, due time.Time, lastErr string) error
	// Fail records the mail failed for good, if token holds it; else
	// ErrClaimLost.
	Fail(ctx context.Context, key, token string, attempts int, lastErr string) error
}

// Sender sends a mail; errors wrapping ErrPermanent are not retried.
type Sender interface {
	Send(ctx context.Context, m Mail) error
}

// Details is what an email's templates are given.
type Details struct {
	OrderID     string
	Email       string
	TicketTitle string
	Price       float64 // dollars
	ExpiresAt   time.Time
}

// Composer renders an email: its subject and its text and HTML bodies.
type Composer interface {
	Compose(kind Kind, d Details) (subject, text, html string, err error)
}
