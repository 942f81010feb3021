// Package mongostore keeps orders and the ticket replica in MongoDB (or
// FerretDB). It needs no multi-document transactions: every change is one
// single-document write, and the events announcing it travel in the same
// document (outbox).
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/bus"
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
type Orders struct {
	coll  *mongo.Collection
	relay *outbox.Relay
}

var _ order.Store = (*Orders)(nil)

// NewOrders returns the store, creating its indexes. Its relay publishes
// the orders' events on pub once RunRelay runs.
func NewOrders(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger) (*Orders, error) {
	coll := db.Collection("orders")
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
	return &Orders{coll: coll, relay: outbox.NewRelay(coll, pub, log, 0)}, nil
}

// RunRelay publishes pending events until ctx is done.
func (s *Orders) RunRelay(ctx context.Context) error { return s.relay.Run(ctx) }

type orderDoc struct {
	ID           bson.ObjectID      `bson:"_id"`
	UserID       string             `bson:"userId"`
	Status       events.OrderStatus `bson:"status"`
	ExpiresAt    time.Time          `bson:"expiresAt"`
	CreatedAt    time.Time          `bson:"createdAt"`
	Version      int64              `bson:"version"`
	Ticket       ticketSnapshot     `bson:"ticket"`
	ActiveTicket *bson.ObjectID     `bson:"activeTicket,omitempty"`
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

// Create implements order.Store with a single insert.
func (s *Orders) Create(ctx context.Context, o order.Order, evs ...events.Event) error {
	msgs, err := messages(evs)
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
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return order.ErrTicketReserved
		}
		return fmt.Errorf("insert order: %w", err)
	}
	s.notify(o.ID, msgs)
	return nil
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
// also takes or releases the ticket and records evs.
func (s *Orders) Update(ctx context.Context, prev, next order.Order, evs ...events.Event) error {
	msgs, err := messages(evs)
	if err != nil {
		return err
	}
	update := bson.D{{Key: "$set", Value: bson.D{
		{Key: "status", Value: next.Status},
		{Key: "version", Value: next.Version},
	}}}
	if next.Status.Reserves() {
		update[0].Value = append(update[0].Value.(bson.D), bson.E{Key: "activeTicket", Value: next.Ticket.ID})
	} else {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "activeTicket", Value: ""}}})
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
	s.notify(prev.ID, msgs)
	return nil
}

func (s *Orders) notify(id bson.ObjectID, msgs []outbox.Message) {
	if len(msgs) > 0 {
		s.relay.Notify(id)
	}
}

func messages(evs []events.Event) ([]outbox.Message, error) {
	msgs := make([]outbox.Message, 0, len(evs))
	for _, e := range evs {
		m, err := outbox.New(e)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}
