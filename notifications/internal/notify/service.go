package notify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Service handles the events the emails depend on and sends the emails.
//
// Exactly once per order and kind: an email is first recorded in the
// Outbox under its unique key, claimed by the recorder for Lease; then sent;
// then marked sent. A redelivered event finds the key and does nothing. A
// failed send releases the claim with a backoff; RunRetries sends it again
// when due. A crash mid-send leaves the claim to run out, and RunRetries
// takes it over then.
//
// The remaining window is at least once, not exactly once: if the process
// dies (or cannot reach the store) after the SMTP server accepted the mail
// and before MarkSent, the mail is sent again after the lease. SMTP has no
// idempotency key; the Message-ID header, the same on every attempt
// (<orderId>.<kind>@<domain>), lets a receiving system drop the copy.
type Service struct {
	Users    Users
	Tickets  Tickets
	Orders   Orders
	Outbox   Outbox
	Sender   Sender
	Composer Composer
	Log      *slog.Logger

	// MessageIDDomain is the right-hand side of the Message-ID headers
	// (the domain of MAIL_FROM).
	MessageIDDomain string
	// SendTimeout bounds one send (default 30 s).
	SendTimeout time.Duration
	// Lease is how long a claim holds a mail; it must outlast a send and
	// the mark after it (default 2×SendTimeout + 10 s).
	Lease time.Duration
	// Backoff is the wait before attempt n+1 after n failures (default
	// 5 s doubling up to 30 min).
	Backoff func(failures int) time.Duration
	// MaxAttempts is how many failed sends make a mail failed for good
	// (default 15, about 2.5 h with the default backoff).
	MaxAttempts int
	// Skew is the clock difference tolerated when deciding whether an
	// order was cancelled by its expiry (default 2 s).
	Skew time.Duration
	// PollInterval is how often RunRetries looks for due mails (default 2 s).
	PollInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Millisecond)
	}
	return time.Now().UTC().Truncate(time.Millisecond) // what the store keeps
}

func (s *Service) sendTimeout() time.Duration { return cmp.Or(s.SendTimeout, 30*time.Second) }

func (s *Service) lease() time.Duration { return cmp.Or(s.Lease, 2*s.sendTimeout()+10*time.Second) }

func (s *Service) backoff(failures int) time.Duration {
	if s.Backoff != nil {
		return s.Backoff(failures)
	}
	return DefaultBackoff(failures)
}

// DefaultBackoff is 5 s after the first failure, doubling, at most 30 min.
func DefaultBackoff(failures int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < failures && d < 30*time.Minute; i++ {
		d *= 2
	}
	return min(d, 30*time.Minute)
}

// UserCreated keeps the user's email.
func (s *Service) UserCreated(ctx context.Context, u User) error {
	return s.Users.PutUser(ctx, u)
}

// TicketChanged keeps the ticket's title and price (ticket:created and
// ticket:updated carry the whole ticket: the newest version wins).
func (s *Service) TicketChanged(ctx context.Context, t Ticket) error {
	return s.Tickets.PutTicket(ctx, t)
}

// OrderCreated keeps the order; a redelivery is ignored.
func (s *Service) OrderCreated(ctx context.Context, o Order) error {
	if err := s.Orders.CreateOrder(ctx, o); err != nil && !errors.Is(err, ErrDuplicate) {
		return err
	}
	return nil
}

// OrderCancelled records the cancellation and, when the order expired
// unpaid, sends the buyer the "reservation expired" email. Before the
// order:created is here it returns an error: the event comes again.
func (s *Service) OrderCancelled(ctx context.Context, id string, version int64) error {
	o, err := s.Orders.CancelOrder(ctx, id, version, s.now())
	if err != nil {
		return fmt.Errorf("order:cancelled: %w", err)
	}
	if !o.ExpiredUnpaid(cmp.Or(s.Skew, 2*time.Second)) {
		return nil
	}
	return s.notify(ctx, o, KindExpired)
}

// PaymentCreated marks the order paid and sends the buyer the receipt.
// Before the order, its buyer or its ticket is replicated it returns an
// error: the event comes again.
func (s *Service) PaymentCreated(ctx context.Context, orderID string) error {
	o, err := s.Orders.PayOrder(ctx, orderID)
	if err != nil {
		return fmt.Errorf("payment:created: %w", err)
	}
	return s.notify(ctx, o, KindReceipt)
}

// notify records the order's email of kind and sends it, once: the
// record's insert is the check (a redelivery finds it there and stops),
// not a read before it.
func (s *Service) notify(ctx context.Context, o Order, kind Kind) error {
	u, err := s.Users.User(ctx, o.UserID)
	if err != nil {
		return fmt.Errorf("%s of order %s: buyer: %w", kind, o.ID, err)
	}
	t, err := s.Tickets.Ticket(ctx, o.TicketID)
	if err != nil {
		return fmt.Errorf("%s of order %s: ticket: %w", kind, o.ID, err)
	}
	subject, text, html, err := s.Composer.Compose(kind, Details{
		OrderID: o.ID, Email: u.Email, TicketTitle: t.Title, Price: o.Price, ExpiresAt: o.ExpiresAt,
	})
	if err != nil {
		return fmt.Errorf("compose %s of order %s: %w", kind, o.ID, err)
	}
	now := s.now()
	m := Mail{
		OrderID: o.ID, Kind: kind, To: u.Email, Subject: subject, Text: text, HTML: html,
		MessageID: MessageID(o.ID, kind, s.MessageIDDomain),
		State:     StatePending, Due: now.Add(s.lease()), Token: newToken(), CreatedAt: now,
	}
	switch err := s.Outbox.Add(ctx, m); {
	case errors.Is(err, ErrDuplicate):
		return nil // recorded by an earlier or concurrent delivery: sent, or RunRetries sends it
	case err != nil:
		return err
	}
	// Recorded: the event may be acked whatever the send does now.
	s.attempt(ctx, m)
	return nil
}

// MessageID is the Message-ID of an order's email of a kind, without the
// angle brackets: the same on every attempt, so that a receiving system
// can drop a copy sent twice.
func MessageID(orderID string, kind Kind, domain string) string {
	return orderID + "." + string(kind) + "@" + cmp.Or(domain, "gittix.invalid")
}

// attempt sends m, which the caller has claimed (m.Token), and records the
// outcome.
func (s *Service) attempt(ctx context.Context, m Mail) {
	log := s.Log.With("order_id", m.OrderID, "kind", string(m.Kind), "attempt", m.Attempts+1)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.sendTimeout())
	err := s.Sender.Send(sctx, m)
	cancel()
	// The outcome is recorded even when ctx ended meanwhile: a sent mail
	// left unmarked would be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err == nil {
		var merr error
		for i := range 3 {
			if merr = s.Outbox.MarkSent(rctx, m.Key(), m.Token, s.now()); merr == nil || errors.Is(merr, ErrClaimLost) {
				break
			}
			time.Sleep(time.Duration(i+1) * 200 * time.Millisecond)
		}
		switch {
		case merr == nil:
			log.Info("mail sent", "message_id", m.MessageID)
		case errors.Is(merr, ErrClaimLost):
			log.Warn("mail sent after its claim ran out; another holder may send it too", "message_id", m.MessageID)
		default:
			log.Error("mail sent but not recorded; it will be sent again when its claim runs out",
				"message_id", m.MessageID, "err", merr)
		}
		return
	}
	failures := m.Attempts + 1
	if errors.Is(err, ErrPermanent) || failures >= cmp.Or(s.MaxAttempts, 15) {
		if ferr := s.Outbox.Fail(rctx, m.Key(), m.Token, failures, err.Error()); ferr != nil {
			log.Error("record failed mail", "err", ferr)
		}
		log.Error("mail failed for good", "err", err)
		return
	}
	next := s.backoff(failures)
	if rerr := s.Outbox.Reschedule(rctx, m.Key(), m.Token, failures, s.now().Add(next), err.Error()); rerr != nil {
		// The claim runs out and RunRetries takes it over then.
		log.Error("reschedule mail", "err", rerr)
	}
	log.Warn("mail not sent; retrying later", "retry_in", next, "err", err)
}

// RunRetries sends the mails that are due — failed earlier, or claimed by
// a holder that did not finish — until ctx is done. Several processes may
// run it: each mail is claimed by one.
func (s *Service) RunRetries(ctx context.Context) error {
	t := time.NewTicker(cmp.Or(s.PollInterval, 2*time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		s.RetryDue(ctx)
	}
}

// RetryDue claims and sends the mails due now, up to 50.
func (s *Service) RetryDue(ctx context.Context) {
	now := s.now()
	due, err := s.Outbox.Due(ctx, now, 50)
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Warn("list due mails", "err", err)
		}
		return
	}
	for _, m := range due {
		if ctx.Err() != nil {
			return
		}
		token := newToken()
		if err := s.Outbox.Claim(ctx, m, now, token, now.Add(s.lease())); err != nil {
			if !errors.Is(err, ErrClaimLost) {
				s.Log.Warn("claim mail", "key", m.Key(), "err", err)
			}
			continue
		}
		m.Token = token
		s.attempt(ctx, m)
	}
}

func newToken() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
