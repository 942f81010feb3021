// Package paymenttest has in-memory fakes of the payment ports for unit
// tests. The integration tests run the real store and Stripe (stripe-mock).
package paymenttest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// table is the state of a fake store: values by id, under a mutex.
type table[V any] struct {
	mu sync.Mutex
	m  map[bson.ObjectID]V
}

// insert stores v under id unless id is taken (payment.ErrDuplicate).
func (t *table[V]) insert(id bson.ObjectID, v V) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[id]; ok {
		return payment.ErrDuplicate
	}
	t.putLocked(id, v)
	return nil
}

func (t *table[V]) putLocked(id bson.ObjectID, v V) {
	if t.m == nil {
		t.m = map[bson.ObjectID]V{}
	}
	t.m[id] = v
}

// get returns the value under id, or payment.ErrNotFound.
func (t *table[V]) get(id bson.ObjectID) (V, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.m[id]
	if !ok {
		return v, payment.ErrNotFound
	}
	return v, nil
}

// Orders is an in-memory payment.Orders.
type Orders struct{ t table[payment.Order] }

// Create implements payment.Orders.
func (s *Orders) Create(_ context.Context, o payment.Order) error { return s.t.insert(o.ID, o) }

// Cancel implements payment.Orders.
func (s *Orders) Cancel(_ context.Context, id bson.ObjectID, version int64) error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	o, ok := s.t.m[id]
	switch {
	case !ok || o.Version < version-1:
		return payment.ErrBehind
	case o.Version > version-1:
		return nil
	}
	o.Version, o.Status = version, events.StatusCancelled
	s.t.m[id] = o
	return nil
}

// Get implements payment.Orders.
func (s *Orders) Get(_ context.Context, id bson.ObjectID) (payment.Order, error) { return s.t.get(id) }

// AddDecline implements payment.Orders.
func (s *Orders) AddDecline(_ context.Context, id bson.ObjectID) error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	o := s.t.m[id]
	o.Declines++
	s.t.putLocked(id, o)
	return nil
}

// Payments is an in-memory payment.Payments; Events holds what Complete
// recorded in the outbox.
type Payments struct {
	t      table[payment.Payment] // by order id
	Events []events.PaymentCreated
	// RefundEvents holds what Refunded recorded.
	RefundEvents []events.PaymentRefunded
	// Failures holds the notice ids RecordFailure recorded.
	Failures []string
}

// Put stores p as it is.
func (s *Payments) Put(p payment.Payment) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	s.t.putLocked(p.OrderID, p)
}

// All returns the stored payments.
func (s *Payments) All() []payment.Payment {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	var out []payment.Payment
	for _, p := range s.t.m {
		out = append(out, p)
	}
	return out
}

// ByOrder implements payment.Payments.
func (s *Payments) ByOrder(_ context.Context, orderID bson.ObjectID) (payment.Payment, error) {
	return s.t.get(orderID)
}

// Claim implements payment.Payments.
func (s *Payments) Claim(_ context.Context, p payment.Payment) error { return s.t.insert(p.OrderID, p) }

func (s *Payments) byID(id bson.ObjectID) (payment.Payment, bool) {
	for _, p := range s.t.m {
		if p.ID == id {
			return p, true
		}
	}
	return payment.Payment{}, false
}

// TakeOver implements payment.Payments.
func (s *Payments) TakeOver(_ context.Context, id bson.ObjectID, stale, now time.Time) error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	p, ok := s.byID(id)
	if !ok || p.State != payment.StatePending || !p.ClaimedAt.Equal(stale) {
		return payment.ErrClaimLost
	}
	p.ClaimedAt = now
	s.t.m[p.OrderID] = p
	return nil
}

// Release implements payment.Payments.
func (s *Payments) Release(_ context.Context, id bson.ObjectID, claimedAt time.Time) error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	if p, ok := s.byID(id); ok && p.State == payment.StatePending && p.ClaimedAt.Equal(claimedAt) {
		delete(s.t.m, p.OrderID)
	}
	return nil
}

// Complete implements payment.Payments.
func (s *Payments) Complete(_ context.Context, id bson.ObjectID, stripeID string, e events.PaymentCreated) error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	p, ok := s.byID(id)
	if !ok {
		return payment.ErrNotFound
	}
	if p.State == payment.StateComplete {
		return nil
	}
	p.State, p.StripeID, p.ClaimedAt = payment.StateComplete, stripeID, time.Time{}
	s.t.m[p.OrderID] = p
	s.Events = append(s.Events, e)
	return nil
}

// Refunded implements payment.Payments; a second refund is a no-op.
func (s *Payments) Refunded(_ context.Context, id bson.ObjectID, refundID string, at time.Time, e events.PaymentRefunded) error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	p, ok := s.byID(id)
	if !ok || p.State != payment.StateComplete || p.RefundID != "" {
		return nil
	}
	p.RefundID, p.RefundedAt = refundID, at
	s.t.m[p.OrderID] = p
	s.RefundEvents = append(s.RefundEvents, e)
	return nil
}

// Record implements payment.Payments.
func (s *Payments) Record(_ context.Context, p payment.Payment, e events.PaymentCreated) error {
	if err := s.t.insert(p.OrderID, p); err != nil {
		return err
	}
	s.t.mu.Lock()
	s.Events = append(s.Events, e)
	s.t.mu.Unlock()
	return nil
}

// ByStripeID implements payment.Payments.
func (s *Payments) ByStripeID(_ context.Context, chargeID, intentID string) (payment.Payment, error) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	for _, p := range s.t.m {
		if p.StripeID != "" && (p.StripeID == chargeID || p.StripeID == intentID) {
			return p, nil
		}
	}
	return payment.Payment{}, payment.ErrNotFound
}

// RecordFailure implements payment.Payments: Failures keeps the notice ids.
func (s *Payments) RecordFailure(_ context.Context, noticeID string, _ bson.ObjectID, _, _ string) (bool, error) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	if slices.Contains(s.Failures, noticeID) {
		return false, nil
	}
	s.Failures = append(s.Failures, noticeID)
	return true, nil
}

// Charger records charges and answers with Err, or with charge ids
// "ch_1", "ch_2", …. Hold, when set, is waited on inside every charge.
type Charger struct {
	Err  error
	Hold chan struct{}

	mu      sync.Mutex
	Charges []payment.Charge
	Refunds []string // "<charge id> <idempotency key>" of each refund request
}

// Charge implements payment.Charger.
func (c *Charger) Charge(ctx context.Context, ch payment.Charge) (string, error) {
	c.mu.Lock()
	c.Charges = append(c.Charges, ch)
	n := len(c.Charges)
	c.mu.Unlock()
	if c.Hold != nil {
		select {
		case <-c.Hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	if c.Err != nil {
		return "", c.Err
	}
	return fmt.Sprintf("ch_%d", n), nil
}

// Refund implements payment.Charger: like Stripe, one refund per
// idempotency key ("re_" + the key), however often it is asked.
func (c *Charger) Refund(_ context.Context, chargeID, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.Err != nil {
		return "", c.Err
	}
	c.Refunds = append(c.Refunds, chargeID+" "+key)
	return "re_" + key, nil
}

// Calls returns the charges requested so far.
func (c *Charger) Calls() []payment.Charge {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]payment.Charge(nil), c.Charges...)
}
