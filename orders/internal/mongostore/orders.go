// Package mongostore keeps orders and the ticket replica in MongoDB (or
// FerretDB). It needs no multi-document transactions: every change is one
// single-document write, and the events announcing it travel in the same
// document (outbox).
package mongostore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/events"
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
// The cap of open orders per user works the same way: while an order is
// open (created, awaiting:payment) its field openSlot holds
// "<userId>/<n>", n one of 0 … cap−1, under a unique sparse index; a new
// open order takes a free slot with its insert, and the write that pays,
// cancels or expires the order removes the field. Of any number of
// concurrent orders of one user, on any number of replicas, at most cap
// hold a slot; and since a slot lives in its order's own document, no crash
// can leave one taken by an order that is no longer open.
type Orders struct {
	coll   *mongo.Collection
	notify outbox.Notifier
}

var _ order.Store = (*Orders)(nil)

// slotRounds bounds the re-reads of a user's free slots when each one read
// free was taken by a concurrent order before this one's insert.
const slotRounds = 3

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
		{
			Keys:    bson.D{{Key: "openSlot", Value: 1}},
			Options: options.Index().SetName("openSlot_unique").SetUnique(true).SetSparse(true),
		},
		{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "createdAt", Value: 1}}},
	} {
		if _, err := coll.Indexes().CreateOne(ctx, idx); err != nil {
			return nil, fmt.Errorf("create order indexes: %w", err)
		}
	}
	return &Orders{coll: coll, notify: n}, nil
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
	}
}

// withoutOutbox keeps the pending events out of what is read.
var withoutOutbox = bson.D{{Key: outbox.Field, Value: 0}}

// Create implements order.Store with a single insert, which claims the
// ticket and, for an open order under a cap, one of the user's open slots.
func (s *Orders) Create(ctx context.Context, o order.Order, maxOpen int, evs ...events.Event) error {
	msgs, err := outbox.Messages(evs...)
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

// insertInSlot inserts doc into one of its user's free open slots.
func (s *Orders) insertInSlot(ctx context.Context, doc orderDoc, maxOpen int) error {
	for range slotRounds {
		free, err := s.freeSlots(ctx, doc.UserID, maxOpen)
		if err != nil {
			return err
		}
		if len(free) == 0 {
			return order.ErrTooManyOpen
		}
		for _, slot := range free {
			doc.OpenSlot = slot
			err := s.insert(ctx, doc)
			if !errors.Is(err, order.ErrTicketReserved) {
				return err
			}
			// A duplicate key: the ticket is held, or a concurrent order
			// of the user took this slot since it was read.
			if held, err := s.ticketHeld(ctx, doc.Ticket.ID); err != nil || held {
				return cmp.Or(err, order.ErrTicketReserved)
			}
		}
	}
	return order.ErrTooManyOpen
}

// insert inserts doc; a duplicate key (the ticket held by another order,
// or its open slot taken) is ErrTicketReserved.
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

// freeSlots returns the names of userID's open slots that no order holds,
// lowest first.
func (s *Orders) freeSlots(ctx context.Context, userID string, maxOpen int) ([]string, error) {
	all := make([]string, maxOpen)
	for n := range maxOpen {
		all[n] = openSlot(userID, n)
	}
	cur, err := s.coll.Find(ctx, bson.D{{Key: "openSlot", Value: bson.D{{Key: "$in", Value: all}}}},
		options.Find().SetProjection(bson.D{{Key: "openSlot", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find open orders: %w", err)
	}
	var held []struct {
		OpenSlot string `bson:"openSlot"`
	}
	if err := cur.All(ctx, &held); err != nil {
		return nil, fmt.Errorf("read open orders: %w", err)
	}
	taken := make(map[string]bool, len(held))
	for _, h := range held {
		taken[h.OpenSlot] = true
	}
	return slices.DeleteFunc(all, func(slot string) bool { return taken[slot] }), nil
}

// ticketHeld reports whether an order holds the ticket id.
func (s *Orders) ticketHeld(ctx context.Context, id bson.ObjectID) (bool, error) {
	err := s.coll.FindOne(ctx, bson.D{{Key: "activeTicket", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find ticket holder: %w", err)
	}
	return true, nil
}

// Get implements order.Store.
func (s *Orders) Get(ctx context.Context, id bson.ObjectID) (order.Order, error) {
	var d orderDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(withoutOutbox)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return order.Order{}, order.ErrNotFound
	}
	if err != nil {
		return order.Order{}, fmt.Errorf("find order: %w", err)
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
// also takes or releases the ticket, releases the open slot of an order
// that is no longer open, and records evs.
func (s *Orders) Update(ctx context.Context, prev, next order.Order, evs ...events.Event) error {
	msgs, err := outbox.Messages(evs...)
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
	return nil
}
