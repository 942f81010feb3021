package bus_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/env"
	"github.com/gittix/ticketing/common/events"
)

func TestConfigFromBUS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		bus     string
		want    string
		wantErr string
	}{
		{bus: "", want: bus.TransportStan},
		{bus: "stan", want: bus.TransportStan},
		{bus: "jetstream", want: bus.TransportJetStream},
		{bus: "kafka", want: "kafka", wantErr: `BUS is "kafka", want stan or jetstream`},
	}
	for _, tc := range tests {
		t.Run(tc.bus, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"BUS": tc.bus, "NATS_URL": "nats://127.0.0.1:4222"}
			r := env.NewReader(func(k string) string { return vars[k] })
			cfg := bus.ConfigFrom(r, "orders")
			if got := cfg.Transport; got != tc.want {
				t.Errorf("Transport = %q, want %q", got, tc.want)
			}
			err := r.Err()
			if (err == nil) != (tc.wantErr == "") || (err != nil && err.Error() != tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestConsumerName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		group   string
		subject events.Subject
		want    string
	}{
		{"orders-service", events.SubjectTicketCreated, "orders-service_ticket_created"},
		{"a.b c", "x>*/y", "a_b_c_x___y"},
	} {
		if got := bus.ConsumerName(tc.group, tc.subject); got != tc.want {
			t.Errorf("ConsumerName(%q, %q) = %q, want %q", tc.group, tc.subject, got, tc.want)
		}
	}
}

// jsClient is a plain JetStream client, to look at what the bus made.
func jsClient(t *testing.T, srv *testServer) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(srv.url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestJetStreamLayout: the streams and a listener's consumer are what
// jetstream.go documents.
func TestJetStreamLayout(t *testing.T) {
	t.Parallel()
	srv := startJetStream(t)
	c := connect(t, srv, "listener", discard)
	err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: 2 * time.Second, MaxDeliveries: 5}, discard,
		func(context.Context, events.ExpirationComplete) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	js := jsClient(t, srv)
	s, err := js.Stream(ctx, bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.CachedInfo().Config
	if sc.Storage != jetstream.FileStorage || sc.Duplicates != bus.DuplicateWindow || sc.MaxBytes != bus.StreamMaxBytes ||
		sc.MaxMsgsPerSubject != bus.StreamMaxMsgsPerSubject || sc.MaxAge != 0 || sc.Discard != jetstream.DiscardOld {
		t.Errorf("stream %s config = %+v", bus.StreamName, sc)
	}
	for _, sub := range []events.Subject{events.SubjectTicketCreated, events.SubjectTicketUpdated, events.SubjectOrderCreated,
		events.SubjectOrderCancelled, events.SubjectExpirationComplete, events.SubjectPaymentCreated} {
		if !slices.Contains(sc.Subjects, string(sub)) {
			t.Errorf("stream subjects %v lack %s", sc.Subjects, sub)
		}
	}
	d, err := js.Stream(ctx, bus.DeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	if dc := d.CachedInfo().Config; !slices.Equal(dc.Subjects, []string{bus.DeadLetterPrefix + ">"}) || dc.Storage != jetstream.FileStorage {
		t.Errorf("stream %s config = %+v", bus.DeadLetterStream, dc)
	}
	cons, err := js.Consumer(ctx, bus.StreamName, "orders-service_expiration_complete")
	if err != nil {
		t.Fatal(err)
	}
	cc := cons.CachedInfo().Config
	if cc.Durable != "orders-service_expiration_complete" || cc.FilterSubject != "expiration:complete" ||
		cc.AckPolicy != jetstream.AckExplicitPolicy || cc.DeliverPolicy != jetstream.DeliverAllPolicy ||
		cc.AckWait != 2*time.Second || cc.MaxDeliver != 7 || cc.MaxAckPending != bus.MaxInflight ||
		!slices.Equal(cc.BackOff, []time.Duration{2 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}) {
		t.Errorf("consumer config = %+v", cc)
	}
}

// userCreated stands for an event added after the stream was made.
type userCreated struct {
	ID string `json:"id"`
}

func (userCreated) Subject() events.Subject { return "user:created" }

// TestNewSubjectJoinsTheStream: a subject the stream lacks is added on
// first use, and a later client (an older version, say) keeps it.
func TestNewSubjectJoinsTheStream(t *testing.T) {
	t.Parallel()
	srv := startJetStream(t)
	c := connect(t, srv, "new-version", discard)
	var got atomic.Int32
	if err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "notifications-service"}, discard,
		func(context.Context, userCreated) error { got.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	publish(t, c, userCreated{ID: "u1"})
	bustest.Eventually(t, "user:created delivered", func() bool { return got.Load() == 1 })

	publish(t, connect(t, srv, "old-version", discard), events.ExpirationComplete{OrderID: "o1"})
	s, err := jsClient(t, srv).Stream(t.Context(), bus.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if subs := s.CachedInfo().Config.Subjects; !slices.Contains(subs, "user:created") {
		t.Errorf("stream subjects = %v, lost user:created", subs)
	}
}

// listenOrders listens on c for expiration:complete under the
// orders-service queue group and returns a snapshot of the order ids
// delivered so far, in order.
func listenOrders(t *testing.T, c *bus.Conn) (seen func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	if err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service"}, discard,
		func(_ context.Context, e events.ExpirationComplete) error {
			mu.Lock()
			defer mu.Unlock()
			ids = append(ids, e.OrderID)
			return nil
		}); err != nil {
		t.Fatal(err)
	}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(ids)
	}
}

// TestMsgIDDeduplicates: two publishes with one message id are stored
// once on JetStream; NATS Streaming ignores the id and delivers both.
func TestMsgIDDeduplicates(t *testing.T) {
	eachTransport(t, func(t *testing.T, tr transport) {
		srv := tr.start(t)
		c := connect(t, srv, "relay", discard)
		seen := listenOrders(t, c)
		for _, m := range []struct{ id, order string }{{"entry-1", "o1"}, {"entry-1", "o1"}, {"entry-2", "o2"}} {
			if err := bus.PublishEvent(bus.WithMsgID(t.Context(), m.id), c, events.ExpirationComplete{OrderID: m.order}); err != nil {
				t.Fatal(err)
			}
		}
		want := []string{"o1", "o2"}
		if tr.name == bus.TransportStan {
			want = []string{"o1", "o1", "o2"}
		}
		bustest.Eventually(t, "deliveries", func() bool { return len(seen()) >= len(want) })
		time.Sleep(300 * time.Millisecond)
		if got := seen(); !slices.Equal(got, want) {
			t.Errorf("delivered %v, want %v", got, want)
		}
	})
}

// TestDeadLetterIsKeptAndReplayed: a message that fails its last
// delivery lands in the dead-letter stream with where it came from, and a
// replay delivers it again and removes it.
func TestDeadLetterIsKeptAndReplayed(t *testing.T) {
	t.Parallel()
	srv := startJetStream(t)
	c := connect(t, srv, "listener", discard)
	var fixed atomic.Bool
	var handled atomic.Int32
	err := bus.Listen(c, bus.ListenerConfig{QueueGroup: "orders-service", AckWait: time.Second, MaxDeliveries: 2}, discard,
		func(_ context.Context, e events.ExpirationComplete) error {
			if e.OrderID == "o-bad" && !fixed.Load() {
				return errors.New("bug")
			}
			handled.Add(1)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, c, events.ExpirationComplete{OrderID: "o-ok"})
	publish(t, c, events.ExpirationComplete{OrderID: "o-bad"})
	bustest.Eventually(t, "dead-lettered", func() bool { return c.Parked() == 1 })

	ctx := t.Context()
	dls, err := c.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 {
		t.Fatalf("dead letters = %+v, want 1", dls)
	}
	dl := dls[0]
	if dl.Subject != events.SubjectExpirationComplete || dl.StreamSeq != 2 || dl.QueueGroup != "orders-service" ||
		dl.Consumer != "orders-service_expiration_complete" || dl.Deliveries != 2 || string(dl.Data) != `{"orderId":"o-bad"}` ||
		dl.Time.IsZero() {
		t.Errorf("dead letter = %+v", dl)
	}

	fixed.Store(true)
	if _, err := c.ReplayDeadLetter(ctx, dl.Seq); err != nil {
		t.Fatal(err)
	}
	bustest.Eventually(t, "the replay handled", func() bool { return handled.Load() == 2 })
	if dls, err := c.DeadLetters(ctx, 0); err != nil || len(dls) != 0 {
		t.Errorf("dead letters after the replay = %+v, %v; want none", dls, err)
	}
	if _, err := c.ReplayDeadLetter(ctx, dl.Seq); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("second replay err = %v, want ErrMsgNotFound", err)
	}
}

func TestNATSStreamingKeepsNoDeadLetters(t *testing.T) {
	t.Parallel()
	c := connect(t, startStan(t), "listener", discard)
	if _, err := c.DeadLetters(t.Context(), 0); !errors.Is(err, bus.ErrNoDeadLetters) {
		t.Errorf("DeadLetters err = %v, want ErrNoDeadLetters", err)
	}
}

// TestJetStreamServerRestart: the file store keeps the stream and the
// consumers over a server restart; clients reconnect without counting as
// lost, and a listener resumes with what was published after the restart.
func TestJetStreamServerRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start := func(port int) *natsserver.Server {
		s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true,
			JetStream: true, StoreDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		s.Start()
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatal("nats-server not ready")
		}
		return s
	}
	s := start(-1)
	port := s.Addr().(*net.TCPAddr).Port
	srv := &testServer{transport: bus.TransportJetStream, url: s.ClientURL()}
	c := connect(t, srv, "listener", discard)
	seen := listenOrders(t, c)
	pub := connect(t, srv, "publisher", discard)
	publish(t, pub, events.ExpirationComplete{OrderID: "before"})
	bustest.Eventually(t, "first delivery", func() bool { return len(seen()) == 1 })

	s.Shutdown()
	s.WaitForShutdown()
	s = start(port)
	t.Cleanup(s.Shutdown)
	bustest.Eventually(t, "publish after the restart", func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		return bus.PublishEvent(ctx, pub, events.ExpirationComplete{OrderID: "after"}) == nil
	})
	bustest.Eventually(t, "delivery after the restart", func() bool { return slices.Contains(seen(), "after") })
	if got := seen(); got[0] != "before" || slices.Contains(got[1:], "before") {
		t.Errorf("seen = %v: the acked message came again", got)
	}
	select {
	case err := <-c.Lost():
		t.Errorf("a restart within the loss budget reported %v", err)
	default:
	}
}
