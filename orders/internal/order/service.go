package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/telemetry"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// maxAttempts bounds the re-reads of an order that keeps changing under a
// compare-and-set. Each change of an order is a step forward in a short
// life (created → cancelled or complete), so a few attempts always suffice.
const maxAttempts = 5

// Service carries out the use cases of orders.
type Service struct {
	Orders  Store
	Tickets ticket.Store
	Window  time.Duration    // how long an order holds its ticket unpaid
	MaxOpen int              // open orders a user may hold at once; ≤ 0: no limit
	Now     func() time.Time // default time.Now
}

// Place reserves the ticket ticketID for userID: the new order is created
// with its order:created event in one atomic write. It returns
// ticket.ErrNotFound for an unknown ticket, ErrTicketReserved when
// another order holds it, and ErrTooManyOpen when userID already holds
// MaxOpen open orders.
func (s *Service) Place(ctx context.Context, userID string, ticketID bson.ObjectID) (Order, error) {
	t, err := s.Tickets.Get(ctx, ticketID)
	if err != nil {
		return Order{}, fmt.Errorf("get ticket %s: %w", ticketID.Hex(), err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	o := Order{
		ID:     bson.NewObjectID(),
		UserID: userID,
		Status: events.StatusCreated,
		// Stored with millisecond precision: answer what is stored.
		ExpiresAt: now().Add(s.Window).UTC().Truncate(time.Millisecond),
		Ticket:    t,
	}
	created := events.OrderCreated{
		ID:        o.ID.Hex(),
		Version:   o.Version,
		Status:    o.Status,
		UserID:    o.UserID,
		ExpiresAt: o.ExpiresAt,
		Ticket:    events.OrderTicket{ID: t.ID.Hex(), Price: t.Price},
	}
	if err := s.Orders.Create(ctx, o, s.MaxOpen, created); err != nil {
		return Order{}, fmt.Errorf("create order: %w", err)
	}
	outcomes.WithLabelValues("created").Inc()
	return o, nil
}

// outcomes counts the orders by what became of them: the funnel of the
// dashboards (created → paid, or cancelled by the buyer, or expired).
var outcomes = telemetry.For("orders").Counter("orders_total",
	"Orders by outcome: created, paid, cancelled (by the buyer), expired.", "outcome")

// Cancel cancels o, freeing its ticket, and publishes order:cancelled.
// An order already cancelled is returned unchanged, without a second event;
// a complete order gives ErrCompleted.
func (s *Service) Cancel(ctx context.Context, o Order) (Order, error) {
	return s.cancel(ctx, o, "cancelled")
}

// Expire is Cancel for an order whose time ran out (expiration:complete);
// it is counted as expired.
func (s *Service) Expire(ctx context.Context, o Order) (Order, error) {
	return s.cancel(ctx, o, "expired")
}

func (s *Service) cancel(ctx context.Context, o Order, outcome string) (Order, error) {
	return s.change(ctx, o, outcome, func(o Order) (Order, []events.Event, error) {
		switch o.Status {
		case events.StatusCancelled:
			return o, nil, nil
		case events.StatusComplete:
			return o, nil, ErrCompleted
		}
		next := o
		next.Status, next.Version = events.StatusCancelled, o.Version+1
		return next, []events.Event{events.OrderCancelled{
			ID:      next.ID.Hex(),
			Version: next.Version,
			Ticket:  events.TicketRef{ID: next.Ticket.ID.Hex()},
		}}, nil
	})
}

// Complete marks o paid; its ticket stays reserved for good. An order
// already complete is returned unchanged; a cancelled one gives
// ErrCancelled. No event announces it (SPEC §8 lists none).
func (s *Service) Complete(ctx context.Context, o Order) (Order, error) {
	return s.change(ctx, o, "paid", func(o Order) (Order, []events.Event, error) {
		switch o.Status {
		case events.StatusComplete:
			return o, nil, nil
		case events.StatusCancelled:
			return o, nil, ErrCancelled
		}
		next := o
		next.Status, next.Version = events.StatusComplete, o.Version+1
		return next, nil, nil
	})
}

// change applies decide to o with a compare-and-set, re-reading the order
// and deciding again when it changed meanwhile. decide returning its
// argument means there is nothing to write; a write counts the order under
// outcome.
func (s *Service) change(ctx context.Context, o Order, outcome string, decide func(Order) (Order, []events.Event, error)) (Order, error) {
	for range maxAttempts {
		next, evs, err := decide(o)
		if err != nil || next.Version == o.Version {
			return next, err
		}
		err = s.Orders.Update(ctx, o, next, evs...)
		if err == nil {
			outcomes.WithLabelValues(outcome).Inc()
			return next, nil
		}
		if !errors.Is(err, ErrConflict) {
			return o, fmt.Errorf("update order %s: %w", o.ID.Hex(), err)
		}
		if o, err = s.Orders.Get(ctx, o.ID); err != nil {
			return o, fmt.Errorf("reread order: %w", err)
		}
	}
	return o, fmt.Errorf("update order %s: %w after %d attempts", o.ID.Hex(), ErrConflict, maxAttempts)
}
