// Package mongostore keeps the notifications service's data in MongoDB
// (or FerretDB): the replicas of users, tickets and orders, and the
// sent-log of emails.
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/notifications/internal/notify"
)

// Store is every store of the service on one database.
type Store struct {
	users, tickets, orders, mails *mongo.Collection
}

var (
	_ notify.Users   = (*Store)(nil)
	_ notify.Tickets = (*Store)(nil)
	_ notify.Orders  = (*Store)(nil)
	_ notify.Outbox  = (*Store)(nil)
)

// New returns the store of db, creating the sent-log's index on due mails.
// Every collection is keyed by _id (users, tickets and orders by their
// ids; mails by orderId:kind), which is the unique key.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{
		users: db.Collection("users"), tickets: db.Collection("tickets"),
		orders: db.Collection("orders"), mails: db.Collection("mails"),
	}
	if _, err := s.mails.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "state", Value: 1}, {Key: "due", Value: 1}},
		Options: options.Index().SetName("state_due"),
	}); err != nil {
		return nil, fmt.Errorf("create mails index: %w", err)
	}
	return s, nil
}

type userDoc struct {
	ID      string `bson:"_id"`
	Email   string `bson:"email"`
	Version int64  `bson:"version"`
}

type ticketDoc struct {
	ID      string  `bson:"_id"`
	Title   string  `bson:"title"`
	Price   float64 `bson:"price"`
	Version int64   `bson:"version"`
}

// casTries bounds the compare-and-set rounds of one write: each lost round
// means another write of the same document came in between.
const casTries = 10

// putNewest inserts doc, or replaces the stored one when it is older.
//
// It reads first: most events name a document that exists (every
// ticket:updated after its ticket:created), and a read costs less than an
// insert that fails on the duplicate key, a write. Every filter is {_id}
// alone or {_id, version: <the stored version>}: a compare-and-set on plain
// values, which MongoDB answers from the _id index and the dev stack's
// front by _id too. (A filter such as {version: {$lt: v}} makes FerretDB v1
// scan the whole collection on every event: with a few thousand tickets
// that starved the whole dev app of CPU.)
func putNewest(ctx context.Context, coll *mongo.Collection, id string, version int64, doc any) error {
	for range casTries {
		var stored struct {
			Version int64 `bson:"version"`
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
			options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&stored)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			_, err := coll.InsertOne(ctx, doc)
			if err == nil {
				return nil
			}
			if !mongo.IsDuplicateKeyError(err) {
				return fmt.Errorf("insert %s %s: %w", coll.Name(), id, err)
			}
			continue // inserted meanwhile: compare with that one
		case err != nil:
			return fmt.Errorf("find %s %s: %w", coll.Name(), id, err)
		case stored.Version >= version:
			return nil // the stored one is as new or newer
		}
		res, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: stored.Version}}, doc)
		if err != nil {
			return fmt.Errorf("replace %s %s: %w", coll.Name(), id, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("put %s %s: %d concurrent changes in a row", coll.Name(), id, casTries)
}

func findOne[D any](ctx context.Context, coll *mongo.Collection, id string) (D, error) {
	var d D
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, fmt.Errorf("%s %s: %w", coll.Name(), id, notify.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("find %s %s: %w", coll.Name(), id, err)
	}
	return d, nil
}

// PutUser implements notify.Users.
func (s *Store) PutUser(ctx context.Context, u notify.User) error {
	return putNewest(ctx, s.users, u.ID, u.Version, userDoc(u))
}

// User implements notify.Users.
func (s *Store) User(ctx context.Context, id string) (notify.User, error) {
	d, err := findOne[userDoc](ctx, s.users, id)
	return notify.User(d), err
}

// PutTicket implements notify.Tickets.
func (s *Store) PutTicket(ctx context.Context, t notify.Ticket) error {
	return putNewest(ctx, s.tickets, t.ID, t.Version, ticketDoc(t))
}

// Ticket implements notify.Tickets.
func (s *Store) Ticket(ctx context.Context, id string) (notify.Ticket, error) {
	d, err := findOne[ticketDoc](ctx, s.tickets, id)
	return notify.Ticket(d), err
}

type orderDoc struct {
	ID          string    `bson:"_id"`
	Version     int64     `bson:"version"`
	UserID      string    `bson:"userId"`
	TicketID    string    `bson:"ticketId"`
	Price       float64   `bson:"price"`
	ExpiresAt   time.Time `bson:"expiresAt"`
	Paid        bool      `bson:"paid"`
	CancelledAt time.Time `bson:"cancelledAt,omitempty"`
}

// CreateOrder implements notify.Orders.
func (s *Store) CreateOrder(ctx context.Context, o notify.Order) error {
	_, err := s.orders.InsertOne(ctx, orderDoc(o))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("order %s: %w", o.ID, notify.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert order %s: %w", o.ID, err)
	}
	return nil
}

// CancelOrder implements notify.Orders: cancelledAt is set by the first
// cancellation only, the version raised to the event's. It reads the order
// by _id and writes with a compare-and-set on its stored version (plain
// values: see putNewest), again if another write came in between.
func (s *Store) CancelOrder(ctx context.Context, id string, version int64, at time.Time) (notify.Order, error) {
	for range casTries {
		o, err := s.Order(ctx, id)
		if err != nil {
			return notify.Order{}, err
		}
		set := bson.D{}
		if o.CancelledAt.IsZero() {
			set = append(set, bson.E{Key: "cancelledAt", Value: at})
		}
		if version > o.Version {
			set = append(set, bson.E{Key: "version", Value: version})
		}
		if len(set) == 0 {
			return o, nil // a redelivery: nothing to change
		}
		res, err := s.orders.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: o.Version}},
			bson.D{{Key: "$set", Value: set}})
		if err != nil {
			return notify.Order{}, fmt.Errorf("cancel order %s: %w", id, err)
		}
		if res.MatchedCount == 1 { // o, as read, with set applied
			if o.CancelledAt.IsZero() {
				o.CancelledAt = at
			}
			o.Version = max(o.Version, version)
			return o, nil
		}
	}
	return notify.Order{}, fmt.Errorf("cancel order %s: %d concurrent changes in a row", id, casTries)
}

// PayOrder implements notify.Orders.
func (s *Store) PayOrder(ctx context.Context, id string) (notify.Order, error) {
	if _, err := s.orders.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "paid", Value: true}}}}); err != nil {
		return notify.Order{}, fmt.Errorf("pay order %s: %w", id, err)
	}
	return s.Order(ctx, id)
}

// Order implements notify.Orders.
func (s *Store) Order(ctx context.Context, id string) (notify.Order, error) {
	d, err := findOne[orderDoc](ctx, s.orders, id)
	if err != nil {
		return notify.Order{}, err
	}
	o := notify.Order(d)
	o.ExpiresAt, o.CancelledAt = o.ExpiresAt.UTC(), o.CancelledAt.UTC()
	if d.CancelledAt.IsZero() {
		o.CancelledAt = time.Time{}
	}
	return o, nil
}

// mailDoc is one email of the sent-log, keyed by orderId:kind.
type mailDoc struct {
	Key       string       `bson:"_id"`
	OrderID   string       `bson:"orderId"`
	Kind      notify.Kind  `bson:"kind"`
	To        string       `bson:"to"`
	Subject   string       `bson:"subject"`
	Text      string       `bson:"text"`
	HTML      string       `bson:"html"`
	MessageID string       `bson:"messageId"`
	State     notify.State `bson:"state"`
	Attempts  int          `bson:"attempts"`
	Due       time.Time    `bson:"due"`
	Token     string       `bson:"token"`
	LastError string       `bson:"lastError,omitempty"`
	CreatedAt time.Time    `bson:"createdAt"`
	SentAt    time.Time    `bson:"sentAt,omitempty"`
}

func toMailDoc(m notify.Mail) mailDoc {
	return mailDoc{Key: m.Key(), OrderID: m.OrderID, Kind: m.Kind, To: m.To, Subject: m.Subject, Text: m.Text,
		HTML: m.HTML, MessageID: m.MessageID, State: m.State, Attempts: m.Attempts, Due: m.Due, Token: m.Token,
		LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt}
}

func (d mailDoc) mail() notify.Mail {
	m := notify.Mail{OrderID: d.OrderID, Kind: d.Kind, To: d.To, Subject: d.Subject, Text: d.Text, HTML: d.HTML,
		MessageID: d.MessageID, State: d.State, Attempts: d.Attempts, Due: d.Due.UTC(), Token: d.Token,
		LastError: d.LastError, CreatedAt: d.CreatedAt.UTC()}
	if !d.SentAt.IsZero() {
		m.SentAt = d.SentAt.UTC()
	}
	return m
}

// Add implements notify.Outbox: an insert under the unique _id, of which
// exactly one of any number of concurrent ones succeeds.
func (s *Store) Add(ctx context.Context, m notify.Mail) error {
	_, err := s.mails.InsertOne(ctx, toMailDoc(m))
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mail %s: %w", m.Key(), notify.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("insert mail %s: %w", m.Key(), err)
	}
	return nil
}

// Get implements notify.Outbox.
func (s *Store) Get(ctx context.Context, key string) (notify.Mail, error) {
	d, err := findOne[mailDoc](ctx, s.mails, key)
	return d.mail(), err
}

// Due implements notify.Outbox.
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]notify.Mail, error) {
	cur, err := s.mails.Find(ctx,
		bson.D{{Key: "state", Value: notify.StatePending}, {Key: "due", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "due", Value: 1}}).SetLimit(int64(limit)).SetBatchSize(int32(limit)))
	if err != nil {
		return nil, fmt.Errorf("find due mails: %w", err)
	}
	var docs []mailDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("read due mails: %w", err)
	}
	out := make([]notify.Mail, len(docs))
	for i, d := range docs {
		out[i] = d.mail()
	}
	return out, nil
}

// cas applies update to the pending mail of key held by token (and
// matching more), or returns ErrClaimLost.
func (s *Store) cas(ctx context.Context, key, token string, more bson.D, update bson.D) error {
	filter := append(bson.D{{Key: "_id", Value: key}, {Key: "state", Value: notify.StatePending}, {Key: "token", Value: token}}, more...)
	res, err := s.mails.UpdateOne(ctx, filter, update)
	if err != nil {
		return fmt.Errorf("update mail %s: %w", key, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("mail %s: %w", key, notify.ErrClaimLost)
	}
	return nil
}

// Claim implements notify.Outbox.
func (s *Store) Claim(ctx context.Context, m notify.Mail, now time.Time, token string, until time.Time) error {
	return s.cas(ctx, m.Key(), m.Token, bson.D{{Key: "due", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "token", Value: token}, {Key: "due", Value: until}}}})
}

// MarkSent implements notify.Outbox.
func (s *Store) MarkSent(ctx context.Context, key, token string, at time.Time) error {
	err := s.cas(ctx, key, token, nil,
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: notify.StateSent}, {Key: "token", Value: ""}, {Key: "sentAt", Value: at}}}})
	if err != nil {
		if m, gerr := s.Get(ctx, key); gerr == nil && m.State == notify.StateSent {
			return nil
		}
	}
	return err
}

// Reschedule implements notify.Outbox.
func (s *Store) Reschedule(ctx context.Context, key, token string, attempts int, due time.Time, lastErr string) error {
	return s.cas(ctx, key, token, nil, bson.D{{Key: "$set", Value: bson.D{
		{Key: "token", Value: ""}, {Key: "attempts", Value: attempts}, {Key: "due", Value: due}, {Key: "lastError", Value: lastErr},
	}}})
}

// Fail implements notify.Outbox.
func (s *Store) Fail(ctx context.Context, key, token string, attempts int, lastErr string) error {
	return s.cas(ctx, key, token, nil, bson.D{{Key: "$set", Value: bson.D{
		{Key: "state", Value: notify.StateFailed}, {Key: "token", Value: ""}, {Key: "attempts", Value: attempts}, {Key: "lastError", Value: lastErr},
	}}})
}
