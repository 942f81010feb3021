package mongostore

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/notifications/internal/notify"
)

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
