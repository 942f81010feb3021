//go:build integration

package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	stand "github.com/nats-io/nats-streaming-server/server"
	"github.com/nats-io/nats-streaming-server/stores"
	"github.com/redis/go-redis/v9"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"

	"github.com/gittix/ticketing/expiration/app"
)

var discard = slog.New(slog.DiscardHandler)

// freeDBs holds the numbers of the Redis databases free for tests: each
// test that runs the service gets a database of its own (1–15), so no other
// test's service runs its jobs; it is emptied and given back at the end.
var freeDBs = func() chan int {
	c := make(chan int, 15)
	for db := 1; db <= 15; db++ {
		c <- db
	}
	return c
}()

// redisURL returns the URL of an emptied Redis database for this test.
func redisURL(t testing.TB) (string, *asynq.Inspector) {
	t.Helper()
	var db int
	select {
	case db = <-freeDBs:
	case <-time.After(time.Minute):
		t.Fatal("no free Redis database for a minute")
	}
	u, err := url.Parse(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + strconv.Itoa(db)
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	flush := func() {
		if err := rdb.FlushDB(context.Background()).Err(); err != nil {
			t.Errorf("flush redis db %d: %v", db, err)
		}
	}
	flush()
	insp := asynq.NewInspectorFromRedisClient(rdb)
	t.Cleanup(func() { flush(); rdb.Close(); freeDBs <- db })
	return u.String(), insp
}

// service is one run of app.Run, at addr.
type service struct {
	*testenv.Running
	addr string
}

// start runs the service with env until stop (or the end of the test), and
// waits until it is ready.
func start(t testing.TB, env map[string]string) *service {
	t.Helper()
	addr, r := testenv.StartService(t, app.Run, env)
	return &service{Running: r, addr: addr}
}

// stop shuts the service down gracefully and checks that Run returned nil.
func (s *service) stop(t testing.TB) {
	t.Helper()
	s.Stop(t, 15*time.Second)
}

func status(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func newOrderID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// publishOrderCreated publishes order:created as orders does.
func publishOrderCreated(t testing.TB, conn *bus.Conn, id string, expiresAt time.Time) {
	t.Helper()
	e := events.OrderCreated{
		ID: id, Status: events.StatusCreated, UserID: "u1", ExpiresAt: expiresAt,
		Ticket: events.OrderTicket{ID: newOrderID(), Price: 20},
	}
	if err := bus.PublishEvent(context.Background(), conn, e); err != nil {
		t.Fatalf("publish order:created: %v", err)
	}
}

// expirations records when each expiration:complete was seen on the
// real channel.
type expirations struct {
	mu   sync.Mutex
	seen map[string][]time.Time // by order id
}

func recordExpirations(t testing.TB, conn *bus.Conn) *expirations {
	t.Helper()
	r := &expirations{seen: map[string][]time.Time{}}
	err := bus.Listen(conn, bus.ListenerConfig{QueueGroup: "test-" + newOrderID(), AckWait: time.Second}, discard,
		func(_ context.Context, e events.ExpirationComplete) error {
			now := time.Now()
			r.mu.Lock()
			r.seen[e.OrderID] = append(r.seen[e.OrderID], now)
			r.mu.Unlock()
			return nil
		})
	if err != nil {
		t.Fatalf("record expiration:complete: %v", err)
	}
	return r
}

// of returns when expiration:complete was seen for order id.
func (r *expirations) of(id string) []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Time(nil), r.seen[id]...)
}

// wait polls until expiration:complete was seen for order id, or fails
// the test after timeout.
func (r *expirations) wait(t testing.TB, id string, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if got := r.of(id); len(got) > 0 {
			return got[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no expiration:complete for order %s within %v", id, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// natsServer is an embedded NATS Streaming server with a file store, which
// can be stopped and started again on the same port with its state.
type natsServer struct {
	port int
	dir  string
	s    *stand.StanServer
}

func newNATSServer(t testing.TB) *natsServer {
	t.Helper()
	port, _ := strconv.Atoi(testenv.FreePort(t))
	n := &natsServer{port: port, dir: filepath.Join(t.TempDir(), "store")}
	n.start(t)
	t.Cleanup(func() {
		if n.s != nil {
			n.s.Shutdown()
		}
	})
	return n
}

func (n *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

func (n *natsServer) start(t testing.TB) {
	t.Helper()
	nOpts := stand.DefaultNatsServerOptions
	nOpts.Host, nOpts.Port = "127.0.0.1", n.port
	nOpts.NoLog, nOpts.NoSigs = true, true
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = testenv.DefaultClusterID
	sOpts.StoreType, sOpts.FilestoreDir = stores.TypeFile, n.dir
	s, err := stand.RunServerWithOpts(sOpts, &nOpts)
	if err != nil {
		t.Fatalf("start nats streaming on %d: %v", n.port, err)
	}
	n.s = s
}

func (n *natsServer) stop() {
	n.s.Shutdown()
	n.s = nil
}
