// Package mongostore keeps tickets in a MongoDB collection (FerretDB
// included). Each write stores the change and the event announcing it in
// one single-document write: the event waits in the document's outbox
// until the relay has published it.
package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// Store is a ticket.Store on a MongoDB collection.
type Store struct {
	coll   *mongo.Collection
	notify outbox.Notifier
}

var _ ticket.Store = (*Store)(nil)

// New returns a store on coll that tells n (the service's outbox relay, or
// outbox.Discard) about every write's events.
func New(coll *mongo.Collection, n outbox.Notifier) *Store {
	return &Store{coll: coll, notify: n}
}

// doc is a ticket as stored.
type doc struct {
	ID         bson.ObjectID `bson:"_id"`
	Title      string        `bson:"title"`
	PriceCents int64         `bson:"priceCents"`
	UserID     string        `bson:"userId"`
	OrderID    string        `bson:"orderId,omitempty"` // absent while for sale
	Version    int64         `bson:"version"`
	// CancelledOrders: plain strings, a whole array set by each Save.
	CancelledOrders []string         `bson:"cancelledOrders,omitempty"`
	Outbox          []outbox.Message `bson:"outbox,omitempty"`
}

func (d doc) ticket() ticket.Ticket {
	return ticket.Ticket{
		ID: d.ID, Title: d.Title, Price: ticket.Cents(d.PriceCents), UserID: d.UserID,
		OrderID: d.OrderID, Version: d.Version, CancelledOrders: d.CancelledOrders,
	}
}

// withoutOutbox keeps pending events out of what is read.
var withoutOutbox = bson.D{{Key: outbox.Field, Value: 0}}

// listed is what a list reads: neither the pending events nor the
// cancelled orders, which only the listeners need.
var listed = bson.D{{Key: outbox.Field, Value: 0}, {Key: "cancelledOrders", Value: 0}}

// Create implements ticket.Store.
func (s *Store) Create(ctx context.Context, t ticket.Ticket) (ticket.Ticket, error) {
	t.ID, t.Version, t.OrderID = bson.NewObjectID(), 0, ""
	msgs, err := outbox.Messages(ctx, t.CreatedEvent())
	if err != nil {
		return ticket.Ticket{}, err
	}
	d := doc{ID: t.ID, Title: t.Title, PriceCents: int64(t.Price), UserID: t.UserID, Version: t.Version, Outbox: msgs}
	if _, err := s.coll.InsertOne(ctx, d); err != nil {
		return ticket.Ticket{}, fmt.Errorf("insert ticket: %w", err)
	}
	s.notify.Notify(t.ID)
	return t, nil
}

// Get implements ticket.Store.
func (s *Store) Get(ctx context.Context, id bson.ObjectID) (ticket.Ticket, error) {
	d, err := mongodb.FindOne[doc](ctx, s.coll, bson.D{{Key: "_id", Value: id}}, "ticket "+id.Hex(), ticket.ErrNotFound,
		options.FindOne().SetProjection(withoutOutbox))
	if err != nil {
		return ticket.Ticket{}, err
	}
	return d.ticket(), nil
}

// ListAvailable implements ticket.Store: one query on a range of _id (the
// index every collection has), sorted by _id and limited to the page, read
// in one batch so that no cursor stays open on the server between batches
// (FerretDB holds a connection for every open cursor).
func (s *Store) ListAvailable(ctx context.Context, p ticket.Page) ([]ticket.Ticket, error) {
	limit := max(p.Limit, 1)
	cur, err := s.coll.Find(ctx, listFilter(p.After),
		options.Find().
			SetSort(bson.D{{Key: "_id", Value: 1}}). // ObjectIDs grow with time: oldest first
			SetProjection(listed).
			SetLimit(int64(limit)).
			SetBatchSize(int32(limit)))
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	var docs []doc
	if err := cur.All(ctx, &docs); err != nil { // closes the cursor
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	out := make([]ticket.Ticket, len(docs))
	for i, d := range docs {
		out[i] = d.ticket()
	}
	return out, nil
}

// listFilter selects the unreserved tickets after the ID after (from the
// first when it is zero).
func listFilter(after bson.ObjectID) bson.D {
	f := bson.D{{Key: "orderId", Value: bson.D{{Key: "$exists", Value: false}}}}
	if !after.IsZero() {
		f = append(bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}, f...)
	}
	return f
}

// Save implements ticket.Store. The write is conditional on the version
// read, increments it, and pushes the ticket:updated event into the
// document's outbox, all in one update. The cancelled orders are written
// as a whole array: the compare-and-set makes that as safe as a $push.
func (s *Store) Save(ctx context.Context, t ticket.Ticket) (ticket.Ticket, error) {
	read := t.Version
	t.Version++
	msgs, err := outbox.Messages(ctx, t.UpdatedEvent())
	if err != nil {
		return ticket.Ticket{}, err
	}
	set := bson.D{{Key: "title", Value: t.Title}, {Key: "priceCents", Value: int64(t.Price)}}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}, outbox.Push(msgs...)}
	if len(t.CancelledOrders) > 0 { // the list only grows (or keeps its length)
		set = append(set, bson.E{Key: "cancelledOrders", Value: t.CancelledOrders})
	}
	if t.Reserved() {
		set = append(set, bson.E{Key: "orderId", Value: t.OrderID})
	} else {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "orderId", Value: ""}}})
	}
	update = append(update, bson.E{Key: "$set", Value: set})

	res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: t.ID}, {Key: "version", Value: read}}, update)
	if err != nil {
		return ticket.Ticket{}, fmt.Errorf("update ticket %s: %w", t.ID.Hex(), err)
	}
	if res.MatchedCount == 0 {
		return ticket.Ticket{}, fmt.Errorf("save ticket %s at version %d: %w", t.ID.Hex(), read, ticket.ErrConflict)
	}
	s.notify.Notify(t.ID)
	return t, nil
}
