//go:build integration

package storm_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
	ordersapp "github.com/gittix/ticketing/orders/app"
	paymentsapp "github.com/gittix/ticketing/payments/app"
	ticketsapp "github.com/gittix/ticketing/tickets/app"
)

// world is the three services on their own databases, the broker between
// them, the users, and what the users know of their tickets and orders.
type world struct {
	t   *testing.T
	rng *mrand.Rand
	b   *broker
	key []byte
	log *testenv.LogBuffer

	tickets, orders, payments       http.Handler
	ticketsDB, ordersDB, paymentsDB *mongo.Database

	sellers, buyers []auth.User
	cookies         map[string]*http.Cookie

	tks     []*sold
	ords    []*placed
	answers map[string]int // "POST /api/orders 400" → how many
}

type sold struct {
	id     string
	seller auth.User
	edits  int
}

type placed struct {
	id                       string
	buyer                    auth.User
	cancelled, paid, expired bool // as far as the buyer or the clock know
}

// nowhere is the publisher given to the services' outbox relays, which
// the storm does not run: it publishes the outboxes itself (world.relay).
type nowhere struct{}

func (nowhere) Publish(context.Context, events.Subject, []byte) error {
	return errors.New("the storm publishes the outboxes itself")
}

func newWorld(t *testing.T, seed uint64) *world {
	t.Helper()
	ctx := t.Context()
	logs := &testenv.LogBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rng := mrand.New(mrand.NewPCG(seed, seed^0x5157))
	mongoURI, stripeBase := backing(t)
	client, err := mongo.Connect(options.Client().ApplyURI(mongoURI).SetMaxPoolSize(20))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	w := &world{
		t: t, rng: rng, key: []byte("storm-jwt-key"), log: logs,
		b:         &broker{rng: rng, log: log, subs: map[events.Subject][]subscriber{}, dupAck: 0.2, dupPublish: 0.05},
		ticketsDB: database(t, client, "tickets"), ordersDB: database(t, client, "orders"), paymentsDB: database(t, client, "payments"),
		cookies: map[string]*http.Cookie{}, answers: map[string]int{},
	}
	tickets, err := ticketsapp.NewParts(ctx, w.ticketsDB, nowhere{}, log, ticketsapp.Options{JWTKey: w.key})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := ordersapp.NewParts(ctx, w.ordersDB, nowhere{}, log, ordersapp.Options{JWTKey: w.key, Window: 15 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	payments, err := paymentsapp.NewParts(ctx, w.paymentsDB, nowhere{}, log, paymentsapp.Options{
		JWTKey: w.key, StripeKey: "sk_test_storm", StripeAPIBase: stripeBase,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.tickets, w.orders, w.payments = tickets.API, orders.API, payments.API

	// The subscriptions of SPEC §8. Expiration's listener is not among
	// them: all it does is schedule one job per order (deduplicated by
	// task id), and the job's expiration:complete is what the storm
	// publishes itself for the orders whose time is up (world.expire).
	ticketDoc := w.relayAfter(w.ticketsDB.Collection("tickets"), func(data []byte) string {
		var e struct{ Ticket struct{ ID string } }
		json.Unmarshal(data, &e)
		return e.Ticket.ID
	})
	orderDoc := w.relayAfter(w.ordersDB.Collection("orders"), func(data []byte) string {
		var e struct{ OrderID string }
		json.Unmarshal(data, &e)
		return e.OrderID
	})
	listen(w.b, ticketsapp.QueueGroup, tickets.Listeners,
		map[events.Subject]func([]byte){events.SubjectOrderCreated: ticketDoc, events.SubjectOrderCancelled: ticketDoc})
	listen(w.b, ordersapp.QueueGroup, orders.Listeners,
		map[events.Subject]func([]byte){events.SubjectExpirationComplete: orderDoc, events.SubjectPaymentCreated: orderDoc})
	paymentDoc := w.relayAfter(w.paymentsDB.Collection("payments"), func(data []byte) string {
		var e struct{ ID string }
		json.Unmarshal(data, &e)
		return w.paymentOf(e.ID)
	})
	listen(w.b, paymentsapp.QueueGroup, payments.Listeners, map[events.Subject]func([]byte){events.SubjectOrderCancelled: paymentDoc})

	for i := range 10 {
		w.sellers = append(w.sellers, auth.User{ID: bson.NewObjectID().Hex(), Email: fmt.Sprintf("seller%d@storm.test", i)})
	}
	for i := range 40 {
		w.buyers = append(w.buyers, auth.User{ID: bson.NewObjectID().Hex(), Email: fmt.Sprintf("buyer%d@storm.test", i)})
	}
	return w
}

// backing returns the MongoDB and stripe-mock of the test stack (MONGO_URI,
// STRIPE_API_BASE, as make test sets them), or of a stack of its own.
func backing(t *testing.T) (mongoURI, stripeBase string) {
	t.Helper()
	st, err := stack.Start(t.Context(), stack.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start the backing servers: %v", err)
	}
	t.Cleanup(func() { st.Stop() })
	env := st.Env()
	return env[stack.EnvMongoURI], env[stack.EnvStripeAPIBase]
}

// database returns a fresh database for one service, dropped at the end.
func database(t *testing.T, client *mongo.Client, service string) *mongo.Database {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	db := client.Database("storm_" + hex.EncodeToString(b) + "_" + service)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("drop %s: %v", db.Name(), err)
		}
	})
	return db
}

// relay publishes the pending events of one document, oldest first, and
// removes each from the outbox, as outbox.Relay does — but at once and
// on the storm's goroutine, so that a seed replays the same storm. Every
// write of the services is followed by the relay of the document it wrote.
func (w *world) relay(coll *mongo.Collection, id bson.ObjectID) {
	w.t.Helper()
	ctx := w.t.Context()
	for {
		var doc struct {
			Outbox []outbox.Message `bson:"outbox"`
		}
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}},
			options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 1}})).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) || err == nil && len(doc.Outbox) == 0 {
			return
		}
		if err != nil {
			w.t.Fatalf("read the outbox of %s %s: %v", coll.Name(), id.Hex(), err)
		}
		for _, m := range doc.Outbox {
			w.b.publish(events.Subject(m.Subject), []byte(m.Data))
			res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$pull", Value: bson.D{{Key: outbox.Field, Value: m}}}})
			if err != nil || res.ModifiedCount != 1 {
				w.t.Fatalf("remove %s from the outbox of %s %s: %v (modified %v)", m.ID, coll.Name(), id.Hex(), err, res)
			}
		}
	}
}

// paymentOf returns the id of the payment of order orderID, or "".
func (w *world) paymentOf(orderID string) string {
	id, err := bson.ObjectIDFromHex(orderID)
	if err != nil {
		return ""
	}
	var p struct {
		ID bson.ObjectID `bson:"_id"`
	}
	if w.paymentsDB.Collection("payments").FindOne(w.t.Context(), bson.D{{Key: "orderId", Value: id}}).Decode(&p) != nil {
		return ""
	}
	return p.ID.Hex()
}

// relayAfter returns a broker hook that relays the document of coll that
// the event names.
func (w *world) relayAfter(coll *mongo.Collection, docID func(data []byte) string) func([]byte) {
	return func(data []byte) {
		if id, err := bson.ObjectIDFromHex(docID(data)); err == nil {
			w.relay(coll, id)
		}
	}
}

// sweep relays every document of the three services that still has
// pending events, and reports how many it found. The per-write relays
// leave none: anything found means a write the storm did not follow.
func (w *world) sweep() int {
	w.t.Helper()
	found := 0
	for _, coll := range []*mongo.Collection{
		w.ticketsDB.Collection("tickets"), w.ordersDB.Collection("orders"), w.paymentsDB.Collection("payments"),
	} {
		var docs []struct {
			ID bson.ObjectID `bson:"_id"`
		}
		readAll(w.t, coll, bson.D{{Key: outbox.Field + ".0", Value: bson.D{{Key: "$exists", Value: true}}}}, &docs)
		for _, d := range docs {
			found++
			w.relay(coll, d.ID)
		}
	}
	return found
}

// call sends a request to a service's API as u and decodes a 2xx answer
// into out. A 5xx answer fails the test at once.
func (w *world) call(api http.Handler, u auth.User, method, path, route string, body, out any) int {
	w.t.Helper()
	c, ok := w.cookies[u.ID]
	if !ok {
		c = authtest.Cookie(w.t, w.key, u)
		w.cookies[u.ID] = c
	}
	client := apiclient.Client{Base: "http://storm", HTTP: apiclient.InProcess(api)}
	a, err := client.Do(w.t.Context(), method, path, c, body)
	if err != nil {
		w.t.Fatal(err)
	}
	w.answers[fmt.Sprintf("%s %s %d", method, route, a.Status)]++
	if a.Status >= 500 {
		w.t.Fatalf("%s %s = %d: %s", method, path, a.Status, a.Body)
	}
	if out != nil && a.Status < 300 {
		if err := a.Decode(out); err != nil {
			w.t.Fatalf("%s %s: decode %q: %v", method, path, a.Body, err)
		}
	}
	return a.Status
}

func pick[T any](rng *mrand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func price(rng *mrand.Rand) float64 { return float64(1+rng.IntN(99_999)) / 100 }

func mustID(t *testing.T, hex string) bson.ObjectID {
	t.Helper()
	id, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		t.Fatalf("id %q: %v", hex, err)
	}
	return id
}

// The users' actions, through the services' APIs, as a browser would make
// them; each follows its write with the relay of the document written.

func (w *world) sell() {
	seller := pick(w.rng, w.sellers)
	var tk struct{ ID string }
	body := map[string]any{"title": fmt.Sprintf("Storm ticket %d", len(w.tks)+1), "price": price(w.rng)}
	if w.call(w.tickets, seller, "POST", "/api/tickets", "/api/tickets", body, &tk) != http.StatusCreated {
		w.t.Fatalf("a new ticket was refused")
	}
	w.tks = append(w.tks, &sold{id: tk.ID, seller: seller})
	w.relay(w.ticketsDB.Collection("tickets"), mustID(w.t, tk.ID))
}

func (w *world) edit() {
	tk := pick(w.rng, w.tks)
	body := map[string]any{"title": fmt.Sprintf("Storm ticket %s rev %d", tk.id[18:], tk.edits+1), "price": price(w.rng)}
	// 400 while the ticket is reserved, as tickets sees it.
	if w.call(w.tickets, tk.seller, "PUT", "/api/tickets/"+tk.id, "/api/tickets/:id", body, nil) == http.StatusOK {
		tk.edits++
		w.relay(w.ticketsDB.Collection("tickets"), mustID(w.t, tk.id))
	}
}

func (w *world) buy() {
	tk, buyer := pick(w.rng, w.tks), pick(w.rng, w.buyers)
	var o struct{ ID string }
	// 404 until the ticket's replica reached orders; 400 while reserved.
	if w.call(w.orders, buyer, "POST", "/api/orders", "/api/orders", map[string]any{"ticketId": tk.id}, &o) == http.StatusCreated {
		w.ords = append(w.ords, &placed{id: o.ID, buyer: buyer})
		w.relay(w.ordersDB.Collection("orders"), mustID(w.t, o.ID))
	}
}

// open picks an order its buyer still thinks open, if any.
func (w *world) open() (*placed, bool) {
	var open []*placed
	for _, o := range w.ords {
		if !o.cancelled && !o.paid {
			open = append(open, o)
		}
	}
	if len(open) == 0 {
		return nil, false
	}
	return pick(w.rng, open), true
}

func (w *world) cancel() {
	o, ok := w.open()
	if !ok {
		return
	}
	// 400 if it was paid meanwhile.
	if w.call(w.orders, o.buyer, "DELETE", "/api/orders/"+o.id, "/api/orders/:id", nil, nil) == http.StatusNoContent {
		o.cancelled = true
		w.relay(w.ordersDB.Collection("orders"), mustID(w.t, o.id))
	}
}

func (w *world) pay() {
	o, ok := w.open()
	if !ok {
		return
	}
	var p struct{ ID string }
	// 404 until the order's replica reached payments; 400 once payments
	// knows it is cancelled.
	if w.call(w.payments, o.buyer, "POST", "/api/payments", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.id}, &p) == http.StatusCreated {
		o.paid = true
		w.relay(w.paymentsDB.Collection("payments"), mustID(w.t, p.ID))
	}
}

// expire is the expiration service's job of an order whose time is up:
// one expiration:complete per order, whatever the order's state.
func (w *world) expire() {
	var due []*placed
	for _, o := range w.ords {
		if !o.expired {
			due = append(due, o)
		}
	}
	if len(due) == 0 {
		return
	}
	o := pick(w.rng, due)
	o.expired = true
	data, err := events.Marshal(events.ExpirationComplete{OrderID: o.id})
	if err != nil {
		w.t.Fatal(err)
	}
	w.b.publish(events.SubjectExpirationComplete, data)
}

// run is the workload: n tickets sold, and about 8 user actions per
// ticket, while the broker delivers events in between.
func (w *world) run(n int) {
	ctx := w.t.Context()
	actions := []struct {
		weight int
		do     func()
	}{
		{3, w.edit}, {4, w.buy}, {1, w.cancel}, {2, w.pay}, {1, w.expire},
	}
	total := 0
	for _, a := range actions {
		total += a.weight
	}
	for done := 0; len(w.tks) < n || done < 8*n; {
		if len(w.b.pending) > 0 && w.rng.Float64() < 0.6 {
			w.b.deliver(ctx)
			continue
		}
		done++
		if len(w.tks) < n && (len(w.tks) == 0 || w.rng.IntN(4) == 0) {
			w.sell()
			continue
		}
		r := w.rng.IntN(total)
		for _, a := range actions {
			if r -= a.weight; r < 0 {
				a.do()
				break
			}
		}
	}
}

// settle delivers until every message is acked. It fails when the
// deliveries pass a bound, or when only unacked deliveries happen for a
// long time (a message that can never be applied).
func (w *world) settle() {
	w.t.Helper()
	ctx := w.t.Context()
	limit := w.b.stats.deliveries + 100*w.b.stats.published + 10_000
	for streak := 0; len(w.b.pending) > 0; {
		if w.b.deliver(ctx) {
			streak = 0
		} else {
			streak++
		}
		if streak > 50*len(w.b.pending)+200 || w.b.stats.deliveries > limit {
			var stuck []string
			for _, m := range w.b.pending[:min(len(w.b.pending), 20)] {
				stuck = append(stuck, fmt.Sprintf("  %s to %s, %d deliveries: %s", m.subject, m.sub.group, m.attempts, m.data))
			}
			w.t.Fatalf("%d messages never acked (%d unacked deliveries in a row, %d deliveries in all), e.g.:\n%s",
				len(w.b.pending), streak, w.b.stats.deliveries, strings.Join(stuck, "\n"))
		}
	}
}

func readAll(t *testing.T, coll *mongo.Collection, filter bson.D, out any) {
	t.Helper()
	cur, err := coll.Find(t.Context(), filter, options.Find().SetBatchSize(100_000))
	if err != nil {
		t.Fatalf("read %s: %v", coll.Name(), err)
	}
	if err := cur.All(t.Context(), out); err != nil {
		t.Fatalf("read %s: %v", coll.Name(), err)
	}
}

func (w *world) answerSummary() string {
	keys := make([]string, 0, len(w.answers))
	for k := range w.answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-28s %5d\n", k, w.answers[k])
	}
	return b.String()
}
