//go:build integration

package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/notifications/app"
	"github.com/gittix/ticketing/notifications/internal/mongostore"
	"github.com/gittix/ticketing/notifications/internal/notify"
	"github.com/gittix/ticketing/notifications/mailsink"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

type env struct {
	t    *testing.T
	vars map[string]string
	pub  *bus.Conn
	sink *mailsink.Sink
	db   string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := testenv.Mongo(t)
	u, err := url.Parse(testenv.MongoURI(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + db.Name()
	natsURL, cluster := testenv.NATS(t)
	sink, err := mailsink.Start("127.0.0.1:0", discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	return &env{t: t, sink: sink, db: db.Name(), pub: bustest.Connect(t, natsURL, cluster), vars: map[string]string{
		"HOST": "127.0.0.1", "PORT": "0", "MONGO_URI": u.String(), "NATS_URL": natsURL, "NATS_CLUSTER_ID": cluster,
		"SMTP_URL": sink.URL(), "MAIL_FROM": "GitTix <no-reply@gittix.test>", "MAIL_RETRY_INTERVAL": "100ms",
	}}
}

// start runs the service until the returned stop is called.
func (e *env) start() (stop func()) {
	e.t.Helper()
	svc := testenv.Go(func(ctx context.Context) error {
		return app.Run(ctx, discard, func(k string) string { return e.vars[k] })
	})
	return func() { svc.Stop(e.t, time.Minute) }
}

func (e *env) publish(evs ...events.Event) {
	e.t.Helper()
	for _, ev := range evs {
		if err := bus.PublishEvent(context.Background(), e.pub, ev); err != nil {
			e.t.Fatal(err)
		}
	}
}

// wait returns the mails of Message-ID id once there are n.
func (e *env) wait(id string, n int) []mailsink.Message {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := e.sink.Wait(ctx, n, func(m mailsink.Message) bool { return m.MessageID == "<"+id+">" })
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func (e *env) count(id string) int {
	n := 0
	for _, m := range e.sink.Messages() {
		if m.MessageID == "<"+id+">" {
			n++
		}
	}
	return n
}

func newID() string { return bson.NewObjectID().Hex() }

// order publishes a buyer, a ticket and an order of it expiring at exp.
func (e *env) order(title string, exp time.Time) (orderID, email string) {
	var b [4]byte
	rand.Read(b[:])
	userID, ticketID, orderID := newID(), newID(), newID()
	email = "buyer-" + hex.EncodeToString(b[:]) + "@example.test"
	e.publish(
		events.UserCreated{ID: userID, Email: email, Version: 0},
		events.TicketCreated{ID: ticketID, Version: 0, Title: title, Price: 12.5, UserID: newID()},
		events.OrderCreated{ID: orderID, Version: 0, Status: events.StatusCreated, UserID: userID, ExpiresAt: exp,
			Ticket: events.OrderTicket{ID: ticketID, Price: 12.5}},
	)
	return orderID, email
}

// TestNotifications runs the service on FerretDB, NATS Streaming and a
// real SMTP sink. Its parts run one after another: the service's durable
// queue group is shared by every test of this binary.
func TestNotifications(t *testing.T) {
	e := newEnv(t)
	later := time.Now().Add(15 * time.Minute).UTC()

	t.Run("one receipt despite five deliveries and a restart", func(t *testing.T) {
		e.t = t
		stop := e.start()
		oid, email := e.order(`Rock <b>&</b> Roll`, later)
		pay := events.PaymentCreated{ID: newID(), OrderID: oid, StripeID: "ch_1"}
		e.publish(pay, pay)
		msgs := e.wait(oid+".receipt@gittix.test", 1)
		stop() // the service restarts between deliveries

		e.publish(pay, pay, pay)
		// A holder claimed another order's receipt and died before
		// sending it: the restarted service must send it once, after
		// the claim ran out.
		crashedID, crashedEmail := e.order("Opera", later)
		store := sentLog(t, e)
		past := time.Now().UTC().Add(-time.Second).Truncate(time.Millisecond)
		if err := store.Add(context.Background(), notify.Mail{OrderID: crashedID, Kind: notify.KindReceipt,
			To: crashedEmail, Subject: "Your GitTix receipt", Text: "x", HTML: "<p>x</p>",
			MessageID: crashedID + ".receipt@gittix.test", State: notify.StatePending, Token: "crashed", Due: past, CreatedAt: past}); err != nil {
			t.Fatal(err)
		}
		e.publish(events.PaymentCreated{ID: newID(), OrderID: crashedID, StripeID: "ch_2"})
		stop = e.start()
		defer stop()
		e.wait(crashedID+".receipt@gittix.test", 1)
		// A later order's receipt shows the redeliveries were handled.
		sentinel, _ := e.order("Sentinel", later)
		e.publish(events.PaymentCreated{ID: newID(), OrderID: sentinel, StripeID: "ch_3"})
		e.wait(sentinel+".receipt@gittix.test", 1)
		time.Sleep(500 * time.Millisecond)

		if n := e.count(oid + ".receipt@gittix.test"); n != 1 {
			t.Fatalf("%d receipts for order %s, want 1", n, oid)
		}
		if n := e.count(crashedID + ".receipt@gittix.test"); n != 1 {
			t.Fatalf("%d receipts for the crashed holder's order, want 1", n)
		}
		m := msgs[0]
		if m.Subject != "Your GitTix receipt" || len(m.EnvelopeTo) != 1 || m.EnvelopeTo[0] != email {
			t.Errorf("receipt %+v", m)
		}
		for _, want := range []string{oid, "$12.50", "Rock <b>&</b> Roll"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text body lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.HTML, "Rock &lt;b&gt;&amp;&lt;/b&gt; Roll") || strings.Contains(m.HTML, "<b>&</b>") {
			t.Errorf("HTML body does not escape the title:\n%s", m.HTML)
		}
	})

	t.Run("one expired email, none for a cancellation in time", func(t *testing.T) {
		e.t = t
		stop := e.start()
		defer stop()
		expired, email := e.order("Ballet", time.Now().Add(-time.Second).UTC())
		cancelled, _ := e.order("Jazz", later)
		for range 3 {
			e.publish(events.OrderCancelled{ID: expired, Version: 1}, events.OrderCancelled{ID: cancelled, Version: 1})
		}
		msgs := e.wait(expired+".expired@gittix.test", 1)
		sentinel, _ := e.order("Sentinel", later)
		e.publish(events.PaymentCreated{ID: newID(), OrderID: sentinel, StripeID: "ch_4"})
		e.wait(sentinel+".receipt@gittix.test", 1)
		time.Sleep(500 * time.Millisecond)
		if n := e.count(expired + ".expired@gittix.test"); n != 1 {
			t.Fatalf("%d expired emails, want 1", n)
		}
		if n := e.count(cancelled + ".expired@gittix.test"); n != 0 {
			t.Fatalf("%d expired emails for an order cancelled in time, want 0", n)
		}
		if m := msgs[0]; m.Subject != "Your GitTix reservation expired" || m.EnvelopeTo[0] != email || !strings.Contains(m.Text, "Ballet") {
			t.Errorf("expired email %+v", m)
		}
	})
}

func sentLog(t *testing.T, e *env) *mongostore.Store {
	t.Helper()
	s, err := mongostore.New(context.Background(), testenv.Mongo(t).Client().Database(e.db))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
