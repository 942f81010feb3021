//go:build integration

package faults_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

// shutdownTimeout is the services' HTTP drain timeout (their config).
const shutdownTimeout = 10 * time.Second

// TestSIGTERMUnderLoad sends SIGTERM to tickets while clients create and
// list tickets and while order:created events for other tickets wait to be
// handled. Every request the service accepted is answered (a refused
// connection, after the listener closed, was never accepted; a request that
// got no answer must have left no ticket behind), none gets a 5xx, the
// process exits within its shutdown timeout, and every event comes through:
// those not acked before the stop are delivered again to the restarted
// service.
func TestSIGTERMUnderLoad(t *testing.T) {
	t.Parallel()
	c := newCluster(t)
	tickets := c.start("tickets", nil)
	begin := time.Now()
	coll := c.db("tickets").Collection("tickets")

	// The tickets the events will reserve.
	seller := newUser(t)
	ids := make([]string, sigtermEvents)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			code, b, err := seller.do("POST", tickets.URL()+"/api/tickets", map[string]any{"title": fmt.Sprintf("reserved %d", i), "price": 10})
			var tk ticketJSON
			if err != nil || code != http.StatusCreated || json.Unmarshal(b, &tk) != nil {
				t.Errorf("POST /api/tickets = %d %s %v, want 201", code, b, err)
			}
			ids[i] = tk.ID
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// The load: clients that each create a ticket under a title of their
	// own, then list, until the service has gone.
	type outcome struct {
		ok, refused, fivexx int
		unanswered          []string // titles of creates that got no answer
		otherErrs           []string
	}
	outcomes := make([]outcome, sigtermClients)
	var stop atomic.Bool
	var sent atomic.Int64
	var load sync.WaitGroup
	for i := range sigtermClients {
		u := newUser(t)
		load.Go(func() {
			o := &outcomes[i]
			for n := 0; !stop.Load(); n++ {
				title := fmt.Sprintf("load %s %d", u.id[:8], n)
				for _, req := range []struct {
					method string
					body   any
				}{
					{"POST", map[string]any{"title": title, "price": 5}},
					{"GET", nil},
				} {
					sent.Add(1)
					code, _, err := u.do(req.method, tickets.URL()+"/api/tickets", req.body)
					switch {
					case err == nil && code >= 500:
						o.fivexx++
					case err == nil:
						o.ok++
					case errors.Is(err, syscall.ECONNREFUSED):
						o.refused++
						time.Sleep(10 * time.Millisecond) // the service is gone: no need to spin
					case req.method == "POST":
						o.unanswered = append(o.unanswered, title)
					default:
						o.otherErrs = append(o.otherErrs, fmt.Sprintf("%s: %v", req.method, err))
					}
				}
			}
		})
	}
	poll.Until(t, 30*time.Second, "load running", func() (bool, string) { return sent.Load() >= int64(20*sigtermClients), "" })

	// Queue an order:created for each ticket, then stop the service while
	// it works through them.
	pub := c.nats.connect(t)
	orderIDs := make(map[string]string, len(ids)) // ticket → order
	for _, id := range ids {
		oid := bson.NewObjectID().Hex()
		orderIDs[id] = oid
		err := bus.PublishEvent(context.Background(), pub, events.OrderCreated{
			ID: oid, Status: events.StatusCreated, UserID: "buyer", ExpiresAt: time.Now().Add(time.Hour),
			Ticket: events.OrderTicket{ID: id, Price: 10},
		})
		if err != nil {
			t.Fatalf("publish order:created: %v", err)
		}
	}
	t.Logf("load running (%d requests sent, %s since the service started); %d order:created published; SIGTERM",
		sent.Load(), time.Since(begin).Round(time.Millisecond), len(ids))
	took, exit := tickets.term(2 * shutdownTimeout)
	stop.Store(true)
	load.Wait()
	reservedAtStop := countReserved(t, coll, orderIDs)
	// Events whose handler was still running when the subscription closed
	// could not be acked (the service logs "ack" … "invalid subscription").
	inflight := strings.Count(tickets.out.String(), `"msg":"ack"`)

	var total outcome
	for _, o := range outcomes {
		total.ok += o.ok
		total.refused += o.refused
		total.fivexx += o.fivexx
		total.unanswered = append(total.unanswered, o.unanswered...)
		total.otherErrs = append(total.otherErrs, o.otherErrs...)
	}
	// A create that got no answer must not have been stored: else an
	// accepted request failed.
	var accepted int64
	if len(total.unanswered) > 0 {
		var err error
		accepted, err = coll.CountDocuments(context.Background(), bson.D{{Key: "title", Value: bson.D{{Key: "$in", Value: total.unanswered}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("SIGTERM under load from %d clients: %d answered (%d 5xx), %d refused after the listener closed, %d creates unanswered (%d of them stored)",
		sigtermClients, total.ok+total.fivexx, total.fivexx, total.refused, len(total.unanswered), accepted)
	t.Logf("tickets exited %s after SIGTERM (%s), shutdown timeout %s; %d of %d order:created applied before it stopped, %d of them still being handled when it stopped listening (not acked)",
		took.Round(time.Millisecond), exit, shutdownTimeout, reservedAtStop, len(ids), inflight)
	if total.fivexx > 0 {
		t.Errorf("%d requests answered 5xx", total.fivexx)
	}
	if accepted > 0 {
		t.Errorf("%d creates were stored but their requests got no answer", accepted)
	}
	if len(total.otherErrs) > 0 {
		t.Errorf("%d lists failed without a refused connection, e.g. %s", len(total.otherErrs), total.otherErrs[0])
	}
	if took > shutdownTimeout {
		t.Errorf("shutdown took %s, more than the shutdown timeout %s", took, shutdownTimeout)
	}
	if exit != "exit status 0" {
		t.Errorf("tickets exited with %q after SIGTERM, want exit status 0", exit)
	}

	// The restarted service gets every event it had not acked.
	tickets.start()
	tickets.waitReady(converge)
	poll.Until(t, converge, "every ticket reserved by its order", func() (bool, string) {
		n := countReserved(t, coll, orderIDs)
		return n == len(ids), fmt.Sprintf("%d of %d", n, len(ids))
	})
	// And every reservation's ticket:updated left the outbox.
	poll.Until(t, converge, "every ticket:updated published", func() (bool, string) {
		n := 0
		for _, m := range c.nats.published(t, events.SubjectTicketUpdated) {
			if e, err := decode[events.TicketUpdated](m); err == nil && e.OrderID != "" && orderIDs[e.ID] == e.OrderID {
				n++
			}
		}
		return n >= len(ids), fmt.Sprintf("%d of %d", n, len(ids))
	})
}

// countReserved counts the tickets that hold the order the test gave them.
func countReserved(t *testing.T, coll *mongo.Collection, orderIDs map[string]string) int {
	t.Helper()
	ids := make([]bson.ObjectID, 0, len(orderIDs))
	for id := range orderIDs {
		oid, err := bson.ObjectIDFromHex(id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, oid)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cur, err := coll.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "orderId", Value: 1}}).SetBatchSize(int32(len(ids)+1)))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID      bson.ObjectID `bson:"_id"`
		OrderID string        `bson:"orderId"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		if d.OrderID != "" && d.OrderID == orderIDs[d.ID.Hex()] {
			n++
		}
	}
	return n
}

// decode decodes an event body.
func decode[E any](data []byte) (E, error) {
	var e E
	err := json.Unmarshal(data, &e)
	return e, err
}
