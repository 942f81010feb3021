package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// Tickets is the ticket.Store on the collection "tickets".
type Tickets struct {
	coll *mongo.Collection
}

var _ ticket.Store = (*Tickets)(nil)

// NewTickets returns the store of the ticket replica.
func NewTickets(db *mongo.Database) *Tickets {
	return &Tickets{coll: db.Collection("tickets")}
}

type ticketDoc struct {
	ID      bson.ObjectID `bson:"_id"`
	Title   string        `bson:"title"`
	Price   float64       `bson:"price"`
	Version int64         `bson:"version"`
}

// Get implements ticket.Store.
func (s *Tickets) Get(ctx context.Context, id bson.ObjectID) (ticket.Ticket, error) {
	d, err := mongodb.FindOne[ticketDoc](ctx, s.coll, bson.D{{Key: "_id", Value: id}}, "ticket", ticket.ErrNotFound)
	if err != nil {
		return ticket.Ticket{}, err
	}
	return ticket.Ticket(d), nil
}

// Create implements ticket.Store.
func (s *Tickets) Create(ctx context.Context, t ticket.Ticket) error {
	if _, err := s.coll.InsertOne(ctx, ticketDoc(t)); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return ticket.ErrExists
		}
		return fmt.Errorf("insert ticket: %w", err)
	}
	return nil
}

// Update implements ticket.Store with one compare-and-set update.
func (s *Tickets) Update(ctx context.Context, t ticket.Ticket) error {
	res, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: t.ID}, {Key: "version", Value: t.Version - 1}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "title", Value: t.Title},
			{Key: "price", Value: t.Price},
			{Key: "version", Value: t.Version},
		}}})
	if err != nil {
		return fmt.Errorf("update ticket: %w", err)
	}
	if res.MatchedCount == 0 {
		return ticket.ErrVersion
	}
	return nil
}
