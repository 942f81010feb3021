//go:build integration

package faults_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

// converge bounds how long a replica may take to catch up once the fault
// is over.
const converge = 30 * time.Second

// The crash tests make a write land while its event cannot leave the
// outbox (NATS Streaming is down), check in MongoDB that the event waits in
// the document, SIGKILL the service, bring NATS back and restart the
// service: the event is published and the replica downstream converges.

func TestCrashBeforePublishTickets(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	svcs := c.startAll("tickets", "orders")
	tickets, orders := svcs[0], svcs[1]

	var tk ticketJSON
	c.crashBeforePublish(tickets, "tickets", events.SubjectTicketCreated, func() string {
		tk = newUser(t).sell(tickets.URL(), "crash "+randHex(3), 12.5)
		return tk.ID
	})
	// orders heard ticket:created: its replica lets the ticket be ordered.
	waitReplica(t, c.db("orders").Collection("tickets"), tk.ID, 0)
	newUser(t).order(orders.URL(), tk.ID, converge)
}

func TestCrashBeforePublishOrders(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	svcs := c.startAll("tickets", "orders", "payments")
	tickets, orders, payments := svcs[0], svcs[1], svcs[2]
	tk := newUser(t).sell(tickets.URL(), "crash "+randHex(3), 20)
	waitReplica(t, c.db("orders").Collection("tickets"), tk.ID, 0)

	buyer := newUser(t)
	var o orderJSON
	c.crashBeforePublish(orders, "orders", events.SubjectOrderCreated, func() string {
		buyer.must("POST", orders.URL()+"/api/orders", map[string]any{"ticketId": tk.ID}, http.StatusCreated, &o)
		return o.ID
	})
	// tickets heard order:created (the ticket is reserved) and so did
	// payments (the order can be paid, and then completes).
	buyer.waitTicketOrder(tickets.URL(), tk.ID, o.ID, converge)
	buyer.pay(payments.URL(), o.ID, converge)
	buyer.waitOrderStatus(orders.URL(), o.ID, "complete", converge)
}

func TestCrashBeforePublishPayments(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	svcs := c.startAll("tickets", "orders", "payments")
	tickets, orders, payments := svcs[0], svcs[1], svcs[2]
	tk := newUser(t).sell(tickets.URL(), "crash "+randHex(3), 33.3)
	buyer := newUser(t)
	o := buyer.order(orders.URL(), tk.ID, converge)
	waitReplica(t, c.db("payments").Collection("orders"), o.ID, 0)

	var pay struct{ ID string }
	c.crashBeforePublish(payments, "payments", events.SubjectPaymentCreated, func() string {
		buyer.must("POST", payments.URL()+"/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, http.StatusCreated, &pay)
		return pay.ID
	})
	// orders heard payment:created.
	buyer.waitOrderStatus(orders.URL(), o.ID, "complete", converge)
}

// crashBeforePublish stops NATS Streaming, runs write (which returns the id
// of the document it wrote), checks that the event of subject waits in that
// document's outbox in svc's collection coll, SIGKILLs svc, starts NATS and
// svc again, and waits until the event has left the outbox, published.
func (c *cluster) crashBeforePublish(svc *service, coll string, subject events.Subject, write func() string) {
	t := c.t
	t.Helper()
	c.nats.Stop()
	id := write()
	pending := pendingEvents(t, c.db(svc.name).Collection(coll), id)
	if !slices.Contains(pending, string(subject)) {
		t.Fatalf("outbox of %s %s = %v, want it to hold %s while NATS is down", coll, id, pending, subject)
	}
	alive := svc.running()
	svc.kill()
	t.Logf("%s: write stored with %v pending in its outbox; SIGKILLed (was running: %v)", svc.name, pending, alive)
	if !alive {
		// It lost NATS for good first (a slow machine: over ~6 s since
		// NATS stopped) and exited: still a death between write and
		// publish, just not by SIGKILL.
		t.Logf("%s had already exited (NATS connection lost) before the SIGKILL", svc.name)
	}

	c.nats.Start()
	begin := time.Now()
	svc.start()
	svc.waitReady(converge)
	poll.Until(t, converge, "outbox of "+coll+" "+id+" empty", func() (bool, string) {
		p := pendingEvents(t, c.db(svc.name).Collection(coll), id)
		return len(p) == 0, fmt.Sprint(p)
	})
	n := c.nats.countPublished(t, subject, "id", id)
	t.Logf("%s: after restart, %s left the outbox in %s; published %d time(s)",
		svc.name, subject, time.Since(begin).Round(time.Millisecond), n)
	if n < 1 {
		t.Fatalf("%s for %s: published %d times, want at least 1", subject, id, n)
	}
}

// pendingEvents returns the subjects of the events waiting in the outbox of
// the document id.
func pendingEvents(t *testing.T, coll *mongo.Collection, id string) []string {
	t.Helper()
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var doc struct {
		Outbox []outbox.Message `bson:"outbox"`
	}
	err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: oid}},
		options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 1}})).Decode(&doc)
	if err != nil {
		t.Fatalf("read outbox of %s %s: %v", coll.Name(), id, err)
	}
	subjects := make([]string, len(doc.Outbox))
	for i, m := range doc.Outbox {
		subjects[i] = m.Subject
	}
	return subjects
}

// waitReplica waits until the replica document id exists at version at
// least min.
func waitReplica(t *testing.T, coll *mongo.Collection, id string, min int64) {
	t.Helper()
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	poll.Until(t, converge, fmt.Sprintf("replica %s %s at version ≥ %d", coll.Name(), id, min), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var doc struct {
			Version int64 `bson:"version"`
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: oid}}).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			return false, "absent"
		}
		if err != nil {
			return false, err.Error()
		}
		return doc.Version >= min, fmt.Sprintf("version %d", doc.Version)
	})
}
