// Package mongostore keeps orders and the ticket replica in MongoDB (or
// FerretDB). It needs no multi-document transactions: every change is one
// single-document write, and the events announcing it travel in the same
// document (outbox).
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// Orders is the order.Store on the collection "orders".
//
// The reservation lock is the field activeTicket: the ticket's id while the
// order is in a reserving status (created, awaiting:payment, complete),
// absent once it is cancelled. A unique sparse index on it lets at most one
// order hold a ticket, and a new order claims its ticket by its insert
// alone: there is no window between a check and a write, and nothing a
// crash could leave locked.
//
// The cap of open orders per user: an open order (created,
// awaiting:payment) holds one of its user's slots "<userId>/<n>", n one of
// 0 … cap−1 — a document of the collection open_slots whose _id is the slot
// and which names the order. A new order claims a slot by inserting that
// document (the _id is unique: of concurrent claims one wins, on any number
// of replicas, and the insert and its conflicts are answered by the _id
// index alone, fast on FerretDB too), then inserts itself; the write that
// pays, cancels or expires it is followed by the slot's removal. A slot
// left behind by a crash between the two writes is freed when its user has
// no free slot left and its order is found closed (or absent for a minute).
type Orders struct {
	coll   *mongo.Collection
	slots  *mongo.Collection
	notify outbox.Notifier
}

// slotDoc is a taken slot.
type slotDoc struct {
	Slot    string        `bson:"_id"`
	Order   bson.ObjectID `bson:"order"`
	TakenAt time.Time     `bson:"takenAt"`
}

// staleSlotAge is how long a slot may name an order that does not exist
// (its insert in flight) before it counts as left behind by a crash.
const staleSlotAge = time.Minute

var _ order.Store = (*Orders)(nil)

// NewOrders returns the store on coll, creating its indexes. It tells n
// about every order that got new pending events (the service's outbox
// relay; outbox.Discard when none runs).
func NewOrders(ctx context.Context, coll *mongo.Collection, n outbox.Notifier) (*Orders, error) {
	// One index per command: FerretDB v1 panics (and drops the connection)
	// on a createIndexes of two or more indexes that all exist already, so
	// a CreateMany fails every restart of the service.
	for _, idx := range []mongo.IndexModel{
		{
			// Sparse, not partial: FerretDB has no partial indexes.
			Keys:    bson.D{{Key: "activeTicket", Value: 1}},
			Options: options.Index().SetName("activeTicket_unique").SetUnique(true).SetSparse(true),
		},
		{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "createdAt", Value: 1}}},
	} {
		if _, err := coll.Indexes().CreateOne(ctx, idx); err != nil {
			return nil, fmt.Errorf("create order indexes: %w", err)
		}
	}
	return &Orders{coll: coll, slots: coll.Database().Collection("open_slots"), notify: n}, nil
}

type orderDoc struct {
	ID           bson.ObjectID      `bson:"_id"`
	UserID       string             `bson:"userId"`
	Status       events.OrderStatus `bson:"status"`
	ExpiresAt    time.Time          `bson:"expiresAt"`
	CreatedAt    time.Time          `bson:"createdAt"`
	Version      int64              `bson:"version"`
	Ticket       ticketSnapshot     `bson:"ticket"`
	ActiveTicket *bson.ObjectID     `bson:"activeTicket,omitempty"`
	OpenSlot     string             `bson:"openSlot,omitempty"`
	Outbox       []outbox.Message   `bson:"outbox,omitempty"`
}

type ticketSnapshot struct {
	ID      bson.ObjectID `bson:"id"`
	Title   string        `bson:"title"`
	Price   float64       `bson:"price"`
	Version int64         `bson:"version"`
}

func (d orderDoc) order() order.Order {
	return order.Order{
		ID:        d.ID,
		UserID:    d.UserID,
		Status:    d.Status,
		ExpiresAt: d.ExpiresAt.UTC(),
		Version:   d.Version,
		Ticket:    ticket.Ticket{ID: d.Ticket.ID, Title: d.Ticket.Title, Price: d.Ticket.Price, Version: d.Ticket.Version},
		Slot:      d.OpenSlot,
	}
}

// withoutOutbox keeps the pending events out of what is read.
var withoutOutbox = bson.D{{Key: outbox.Field, Value: 0}}

// Create implements order.Store with a single insert, which claims the
// ticket and, for an open order under a cap, one of the user's open slots.
func (s *Orders) Create(ctx context.Context, o order.Order, maxOpen int, evs ...events.Event) error {
	msgs, err := outbox.Messages(ctx, evs...)
	if err != nil {
		return err
	}
	doc := orderDoc{
		ID:        o.ID,
		UserID:    o.UserID,
		Status:    o.Status,
		ExpiresAt: o.ExpiresAt,
		CreatedAt: time.Now(),
		Version:   o.Version,
		Ticket:    ticketSnapshot{ID: o.Ticket.ID, Title: o.Ticket.Title, Price: o.Ticket.Price, Version: o.Ticket.Version},
		Outbox:    msgs,
	}
	if o.Status.Reserves() {
		doc.ActiveTicket = &o.Ticket.ID
	}
	if maxOpen <= 0 || !order.Open(o.Status) {
		err = s.insert(ctx, doc)
	} else {
		err = s.insertInSlot(ctx, doc, maxOpen)
	}
	if err != nil {
		return err
	}
	if len(msgs) > 0 {
		s.notify.Notify(o.ID)
	}
	return nil
}

// insertInSlot claims one of the user's free slots for doc, then inserts
// it; the slot is given back when the insert fails.
func (s *Orders) insertInSlot(ctx context.Context, doc orderDoc, maxOpen int) error {
	slot, err := s.claimSlot(ctx, doc.UserID, doc.ID, maxOpen)
	if err != nil {
		return err
	}
	doc.OpenSlot = slot
	if err := s.insert(ctx, doc); err != nil {
		return errors.Join(err, s.releaseSlot(context.WithoutCancel(ctx), slot, doc.ID))
	}
	return nil
}

// claimSlot takes the first free slot of userID for the order id. When none
// is free it frees the slots of closed orders; and while some slot names an
// order still being placed (its insert in flight: it will hold the slot or
// give it back in a moment) it waits a little and tries again.
func (s *Orders) claimSlot(ctx context.Context, userID string, id bson.ObjectID, maxOpen int) (string, error) {
	for round := range claimRounds {
		for n := range maxOpen {
			slot := openSlot(userID, n)
			_, err := s.slots.InsertOne(ctx, slotDoc{Slot: slot, Order: id, TakenAt: time.Now()})
			if err == nil {
				return slot, nil
			}
			if !mongo.IsDuplicateKeyError(err) {
				return "", fmt.Errorf("claim open-order slot: %w", err)
			}
		}
		freed, placing, err := s.freeStaleSlots(ctx, userID, maxOpen)
		switch {
		case err != nil:
			return "", err
		case freed == 0 && placing == 0:
			return "", order.ErrTooManyOpen
		case freed == 0:
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(time.Duration(round+1) * 10 * time.Millisecond):
			}
		}
	}
	return "", order.ErrTooManyOpen
}

// claimRounds bounds the tries of claimSlot.
const claimRounds = 8

// freeStaleSlots frees userID's slots whose order is closed, or absent for
// longer than staleSlotAge, and reports how many, and how many name an
// order not placed yet (absent, but younger). Each read and delete is on an
// exact _id.
func (s *Orders) freeStaleSlots(ctx context.Context, userID string, maxOpen int) (freed, placing int, err error) {
	for n := range maxOpen {
		var sd slotDoc
		err := s.slots.FindOne(ctx, bson.D{{Key: "_id", Value: openSlot(userID, n)}}).Decode(&sd)
		if errors.Is(err, mongo.ErrNoDocuments) {
			freed++ // given back meanwhile
			continue
		}
		if err != nil {
			return freed, placing, fmt.Errorf("read open-order slot: %w", err)
		}
		o, err := s.Get(ctx, sd.Order)
		switch {
		case errors.Is(err, order.ErrNotFound) && time.Since(sd.TakenAt) <= staleSlotAge:
			placing++
		case errors.Is(err, order.ErrNotFound), err == nil && !order.Open(o.Status):
			if err := s.releaseSlot(ctx, sd.Slot, sd.Order); err != nil {
				return freed, placing, err
			}
			freed++
		case err != nil:
			return freed, placing, err
		}
	}
	return freed, placing, nil
}

// releaseSlot gives back slot, if the order id still holds it.
func (s *Orders) releaseSlot(ctx context.Context, slot string, id bson.ObjectID) error {
	if _, err := s.slots.DeleteOne(ctx, bson.D{{Key: "_id", Value: slot}, {Key: "order", Value: id}}); err != nil {
		return fmt.Errorf("release open-order slot %s: %w", slot, err)
	}
	return nil
}

// insert inserts doc; a duplicate key (another order holds the ticket) is
// ErrTicketReserved.
func (s *Orders) insert(ctx context.Context, doc orderDoc) error {
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return order.ErrTicketReserved
		}
		return fmt.Errorf("insert order: %w", err)
	}
	return nil
}

// openSlot names slot n of userID's open orders. The slot number has no
// "/", so no two (user, n) pairs share a name.
func openSlot(userID string, n int) string { return userID + "/" + strconv.Itoa(n) }

// Get implements order.Store.
func (s *Orders) Get(ctx context.Context, id bson.ObjectID) (order.Order, error) {
	d, err := mongodb.FindOne[orderDoc](ctx, s.coll, bson.D{{Key: "_id", Value: id}}, "order", order.ErrNotFound,
		options.FindOne().SetProjection(withoutOutbox))
	if err != nil {
		return order.Order{}, err
	}
	return d.order(), nil
}

// ListByUser implements order.Store. The list is read in one go and the
// cursor closed at once (FerretDB holds a connection per open cursor).
func (s *Orders) ListByUser(ctx context.Context, userID string) ([]order.Order, error) {
	cur, err := s.coll.Find(ctx, bson.D{{Key: "userId", Value: userID}}, options.Find().
		SetProjection(withoutOutbox).
		SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}).
		SetBatchSize(1000))
	if err != nil {
		return nil, fmt.Errorf("find orders: %w", err)
	}
	var docs []orderDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read orders: %w", err)
	}
	out := make([]order.Order, len(docs))
	for i, d := range docs {
		out[i] = d.order()
	}
	return out, nil
}

// Update implements order.Store with one compare-and-set update, which
// also takes or releases the ticket and records evs; an order that is no
// longer open then gives back the slot prev holds (prev.Slot, as read: the
// compare-and-set on version and status makes it the stored one).
func (s *Orders) Update(ctx context.Context, prev, next order.Order, evs ...events.Event) error {
	msgs, err := outbox.Messages(ctx, evs...)
	if err != nil {
		return err
	}
	set := bson.D{{Key: "status", Value: next.Status}, {Key: "version", Value: next.Version}}
	var unset bson.D
	if next.Status.Reserves() {
		set = append(set, bson.E{Key: "activeTicket", Value: next.Ticket.ID})
	} else {
		unset = append(unset, bson.E{Key: "activeTicket", Value: ""})
	}
	if !order.Open(next.Status) {
		unset = append(unset, bson.E{Key: "openSlot", Value: ""})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	if len(msgs) > 0 {
		update = append(update, outbox.Push(msgs...))
	}
	var slot string // the slot a closing order gives back: the one it held when read
	if order.Open(prev.Status) && !order.Open(next.Status) {
		slot = prev.Slot
	}
	filter := bson.D{{Key: "_id", Value: prev.ID}, {Key: "version", Value: prev.Version}, {Key: "status", Value: prev.Status}}
	res, err := s.coll.UpdateOne(ctx, filter, update)
	if err != nil {
		// Only an update back into a reserving status can collide, which
		// the service never makes. (FerretDB reports such a collision as an
		// internal error, not as a duplicate key.)
		if mongo.IsDuplicateKeyError(err) {
			return order.ErrTicketReserved
		}
		return fmt.Errorf("update order: %w", err)
	}
	if res.MatchedCount == 0 {
		return order.ErrConflict
	}
	if len(msgs) > 0 {
		s.notify.Notify(prev.ID)
	}
	if slot != "" {
		// The order is closed whatever happens here: a slot not given back
		// now is freed when its user runs out of free ones.
		_ = s.releaseSlot(context.WithoutCancel(ctx), slot, prev.ID)
	}
	return nil
}
