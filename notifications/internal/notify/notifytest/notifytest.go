// Package notifytest provides in-memory stores, a recording Sender and a
// plain Composer for tests of the notify package and its listeners.
package notifytest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gittix/ticketing/notifications/internal/notify"
)

// Store is every store of notify in memory; the zero value is ready. Its
// compare-and-sets are atomic, like the MongoDB ones.
type Store struct {
	mu      sync.Mutex
	users   map[string]notify.User
	tickets map[string]notify.Ticket
	orders  map[string]notify.Order
	mails   map[string]notify.Mail
}

var (
	_ notify.Users   = (*Store)(nil)
	_ notify.Tickets = (*Store)(nil)
	_ notify.Orders  = (*Store)(nil)
	_ notify.Outbox  = (*Store)(nil)
)

// lock locks s, its maps made, and returns the unlock.
func (s *Store) lock() (unlock func()) {
	s.mu.Lock()
	if s.users == nil {
		s.users = map[string]notify.User{}
		s.tickets = map[string]notify.Ticket{}
		s.orders = map[string]notify.Order{}
		s.mails = map[string]notify.Mail{}
	}
	return s.mu.Unlock
}

// PutUser implements notify.Users.
func (s *Store) PutUser(_ context.Context, u notify.User) error {
	defer s.lock()()
	putNewer(s.users, u.ID, u, u.Version, func(o notify.User) int64 { return o.Version })
	return nil
}

// User implements notify.Users.
func (s *Store) User(_ context.Context, id string) (notify.User, error) {
	defer s.lock()()
	return lookup(s.users, "user", id)
}

// PutTicket implements notify.Tickets.
func (s *Store) PutTicket(_ context.Context, t notify.Ticket) error {
	defer s.lock()()
	putNewer(s.tickets, t.ID, t, t.Version, func(o notify.Ticket) int64 { return o.Version })
	return nil
}

// Ticket implements notify.Tickets.
func (s *Store) Ticket(_ context.Context, id string) (notify.Ticket, error) {
	defer s.lock()()
	return lookup(s.tickets, "ticket", id)
}

// putNewer stores v under id unless a replica at its version or newer is
// there already.
func putNewer[V any](m map[string]V, id string, v V, version int64, versionOf func(V) int64) {
	if old, ok := m[id]; !ok || versionOf(old) < version {
		m[id] = v
	}
}

// lookup returns the replica id, or an error wrapping notify.ErrNotFound.
func lookup[V any](m map[string]V, kind, id string) (V, error) {
	v, ok := m[id]
	if !ok {
		return v, fmt.Errorf("%s %s: %w", kind, id, notify.ErrNotFound)
	}
	return v, nil
}

// CreateOrder implements notify.Orders.
func (s *Store) CreateOrder(_ context.Context, o notify.Order) error {
	defer s.lock()()
	if _, ok := s.orders[o.ID]; ok {
		return fmt.Errorf("order %s: %w", o.ID, notify.ErrDuplicate)
	}
	s.orders[o.ID] = o
	return nil
}

// CancelOrder implements notify.Orders.
func (s *Store) CancelOrder(_ context.Context, id string, version int64, at time.Time) (notify.Order, error) {
	defer s.lock()()
	o, err := lookup(s.orders, "order", id)
	if err != nil {
		return o, err
	}
	if o.CancelledAt.IsZero() {
		o.CancelledAt = at
	}
	o.Version = max(o.Version, version)
	s.orders[id] = o
	return o, nil
}

// PayOrder implements notify.Orders.
func (s *Store) PayOrder(_ context.Context, id string) (notify.Order, error) {
	defer s.lock()()
	o, err := lookup(s.orders, "order", id)
	if err != nil {
		return o, err
	}
	o.Paid = true
	s.orders[id] = o
	return o, nil
}

// Order implements notify.Orders.
func (s *Store) Order(_ context.Context, id string) (notify.Order, error) {
	defer s.lock()()
	return lookup(s.orders, "order", id)
}

// Add implements notify.Outbox.
func (s *Store) Add(_ context.Context, m notify.Mail) error {
	defer s.lock()()
	if _, ok := s.mails[m.Key()]; ok {
		return fmt.Errorf("mail %s: %w", m.Key(), notify.ErrDuplicate)
	}
	s.mails[m.Key()] = m
	return nil
}

// Get implements notify.Outbox.
func (s *Store) Get(_ context.Context, key string) (notify.Mail, error) {
	defer s.lock()()
	return lookup(s.mails, "mail", key)
}

// Due implements notify.Outbox.
func (s *Store) Due(_ context.Context, now time.Time, limit int) ([]notify.Mail, error) {
	defer s.lock()()
	var out []notify.Mail
	for _, m := range s.mails {
		if m.State == notify.StatePending && !m.Due.After(now) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b notify.Mail) int { return a.Due.Compare(b.Due) })
	return out[:min(len(out), limit)], nil
}

// Claim implements notify.Outbox.
func (s *Store) Claim(_ context.Context, m notify.Mail, now time.Time, token string, until time.Time) error {
	return s.update(m.Key(), func(cur *notify.Mail) error {
		if cur.State != notify.StatePending || cur.Token != m.Token || cur.Due.After(now) {
			return notify.ErrClaimLost
		}
		cur.Token, cur.Due = token, until
		return nil
	})
}

// MarkSent implements notify.Outbox.
func (s *Store) MarkSent(_ context.Context, key, token string, at time.Time) error {
	return s.update(key, func(cur *notify.Mail) error {
		if cur.State == notify.StateSent {
			return nil
		}
		if cur.State != notify.StatePending || cur.Token != token {
			return notify.ErrClaimLost
		}
		cur.State, cur.Token, cur.SentAt = notify.StateSent, "", at
		return nil
	})
}

// Reschedule implements notify.Outbox.
func (s *Store) Reschedule(_ context.Context, key, token string, attempts int, due time.Time, lastErr string) error {
	return s.updateClaimed(key, token, func(cur *notify.Mail) {
		cur.Token, cur.Attempts, cur.Due, cur.LastError = "", attempts, due, lastErr
	})
}

// Fail implements notify.Outbox.
func (s *Store) Fail(_ context.Context, key, token string, attempts int, lastErr string) error {
	return s.updateClaimed(key, token, func(cur *notify.Mail) {
		cur.State, cur.Token, cur.Attempts, cur.LastError = notify.StateFailed, "", attempts, lastErr
	})
}

// updateClaimed applies f to the mail key if it is pending under token;
// else it fails with notify.ErrClaimLost.
func (s *Store) updateClaimed(key, token string, f func(*notify.Mail)) error {
	return s.update(key, func(cur *notify.Mail) error {
		if cur.State != notify.StatePending || cur.Token != token {
			return notify.ErrClaimLost
		}
		f(cur)
		return nil
	})
}

func (s *Store) update(key string, f func(*notify.Mail) error) error {
	defer s.lock()()
	m, err := lookup(s.mails, "mail", key)
	if err != nil {
		return err
	}
	if err := f(&m); err != nil {
		return fmt.Errorf("mail %s: %w", key, err)
	}
	s.mails[key] = m
	return nil
}

// Sender records the mails it is given. Fail, when set, decides each
// send's error (n counts the sends so far, from 1). Block, when set, is
// waited on before each send.
type Sender struct {
	mu   sync.Mutex
	sent []notify.Mail
	n    int

	Fail  func(n int, m notify.Mail) error
	Block chan struct{}
}

// Send implements notify.Sender.
func (s *Sender) Send(ctx context.Context, m notify.Mail) error {
	if s.Block != nil {
		select {
		case <-s.Block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.Fail != nil {
		if err := s.Fail(s.n, m); err != nil {
			return err
		}
	}
	s.sent = append(s.sent, m)
	return nil
}

// Sent returns the mails sent so far.
func (s *Sender) Sent() []notify.Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Attempts returns how many sends were tried.
func (s *Sender) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Composer renders a one-line subject and bodies naming the details.
type Composer struct{}

// Compose implements notify.Composer.
func (Composer) Compose(kind notify.Kind, d notify.Details) (subject, text, html string, err error) {
	body := fmt.Sprintf("%s %s %s %.2f", kind, d.OrderID, d.TicketTitle, d.Price)
	return string(kind), body, "<p>" + body + "</p>", nil
}
