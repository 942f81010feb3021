//go:build integration

package mongostore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/payments/internal/mongostore"
	"github.com/gittix/ticketing/payments/internal/payment"
)

// notified records what the store told its outbox relay.
type notified struct {
	mu  sync.Mutex
	ids []bson.ObjectID
}

func (n *notified) Notify(id bson.ObjectID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ids = append(n.ids, id)
}

func (n *notified) got() []bson.ObjectID {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]bson.ObjectID(nil), n.ids...)
}

func newPaymentsNotifying(t *testing.T) (*mongostore.Payments, *notified, *mongo.Database) {
	t.Helper()
	db := testenv.Mongo(t)
	n := &notified{}
	p, err := mongostore.NewPayments(ctx, db, n)
	if err != nil {
		t.Fatalf("NewPayments: %v", err)
	}
	return p, n, db
}

// TestWritesOfEventsNotifyTheRelay: Complete and Refunded put their event
// in the payment's outbox and tell the relay, once; a repeated write adds
// no event and tells nobody.
func TestWritesOfEventsNotifyTheRelay(t *testing.T) {
	t.Parallel()
	s, n, db := newPaymentsNotifying(t)
	orderID := bson.NewObjectID()
	p := payment.Payment{ID: bson.NewObjectID(), OrderID: orderID, State: payment.StatePending, ClaimedAt: now()}
	if err := s.Claim(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := n.got(); len(got) != 0 {
		t.Errorf("notified after a claim: %v, want nobody", got)
	}
	created := events.PaymentCreated{ID: p.ID.Hex(), OrderID: orderID.Hex(), StripeID: "ch_1"}
	refunded := events.PaymentRefunded{ID: p.ID.Hex(), OrderID: orderID.Hex(), StripeID: "ch_1", RefundID: "re_1"}
	for range 2 {
		if err := s.Complete(ctx, p.ID, "ch_1", created); err != nil {
			t.Fatalf("Complete: %v", err)
		}
	}
	refundedAt := now()
	for i := range 2 { // the second write, later, changes nothing
		if err := s.Refunded(ctx, p.ID, "re_1", refundedAt.Add(time.Duration(i)*time.Minute), refunded); err != nil {
			t.Fatalf("Refunded: %v", err)
		}
	}
	if diff := cmp.Diff([]bson.ObjectID{p.ID, p.ID}, n.got()); diff != "" {
		t.Errorf("relay notified (-want +got):\n%s", diff)
	}
	var doc struct {
		Outbox []outbox.Message `bson:"outbox"`
	}
	if err := db.Collection(mongostore.PaymentsCollection).FindOne(ctx, bson.D{{Key: "_id", Value: p.ID}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range doc.Outbox {
		subjects = append(subjects, m.Subject)
	}
	if diff := cmp.Diff([]string{"payment:created", "payment:refunded"}, subjects); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
	got, err := s.ByOrder(ctx, orderID)
	if err != nil || got.RefundID != "re_1" || !got.RefundedAt.Equal(refundedAt) {
		t.Errorf("ByOrder = %+v, %v; want refund re_1 at %v", got, err, refundedAt)
	}
}
