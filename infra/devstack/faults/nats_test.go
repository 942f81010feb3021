//go:build integration

package faults_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	stand "github.com/nats-io/nats-streaming-server/server"
	"github.com/nats-io/nats-streaming-server/stores"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/stan.go"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
)

const clusterID = "ticketing"

// natsServer is the broker BUS names — an embedded NATS Streaming server,
// or nats-server with JetStream — with a file store in the test's temporary
// directory, which Stop and Start stop and start again on the same port,
// with the same data, as a Kubernetes pod with a volume.
type natsServer struct {
	t            *testing.T
	transport    string // bus.TransportStan or bus.TransportJetStream
	port, mPort  int    // client and monitoring ports
	sOpts        *stand.Options
	dir          string // the JetStream store
	mu           sync.Mutex
	srv          *stand.StanServer
	js           *natsserver.Server
	stoppedSince time.Time
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = clusterID
	sOpts.StoreType = stores.TypeFile
	sOpts.FilestoreDir = t.TempDir()
	n := &natsServer{t: t, transport: cmp.Or(os.Getenv("BUS"), bus.TransportStan), port: freePort(t), mPort: freePort(t), sOpts: sOpts, dir: t.TempDir()}
	n.Start()
	t.Cleanup(n.Stop)
	return n
}

// env is the broker's part of a service's environment.
func (n *natsServer) env() map[string]string {
	return map[string]string{"BUS": n.transport, "NATS_URL": n.URL(), "NATS_CLUSTER_ID": clusterID}
}

// URL is the client URL; it stays the same across restarts.
func (n *natsServer) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

// Start starts the server (again) on its port and file store.
func (n *natsServer) Start() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil || n.js != nil {
		return
	}
	if n.transport == bus.TransportJetStream {
		n.startJetStream()
		return
	}
	nOpts := stand.DefaultNatsServerOptions // a copy
	nOpts.Host, nOpts.Port = "127.0.0.1", n.port
	nOpts.HTTPHost, nOpts.HTTPPort = "127.0.0.1", n.mPort
	nOpts.NoLog, nOpts.NoSigs = true, true
	sOpts := *n.sOpts
	srv, err := stand.RunServerWithOpts(&sOpts, &nOpts)
	if n.started("nats streaming", err) {
		n.srv = srv
	}
}

// started reports whether the server kind started; it fails the test with
// err if not. Errorf, not Fatalf: Restart may run in a goroutine of the test.
func (n *natsServer) started(kind string, err error) bool {
	if err != nil {
		n.t.Errorf("start %s on port %d: %v", kind, n.port, err)
		return false
	}
	if !n.stoppedSince.IsZero() {
		n.t.Logf("%s started again after %s down", kind, time.Since(n.stoppedSince).Round(time.Millisecond))
	}
	return true
}

func (n *natsServer) startJetStream() {
	srv, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: n.port, NoLog: true, NoSigs: true, JetStream: true, StoreDir: n.dir,
	})
	if err == nil {
		srv.Start()
		if !srv.ReadyForConnections(10 * time.Second) {
			srv.Shutdown()
			err = errors.New("not ready in 10s")
		}
	}
	if n.started("nats jetstream", err) {
		n.js = srv
	}
}

// Stop shuts the server down; its data stays.
func (n *natsServer) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.srv != nil:
		n.srv.Shutdown()
		n.srv = nil
	case n.js != nil:
		n.js.Shutdown()
		n.js.WaitForShutdown()
		n.js = nil
	default:
		return
	}
	n.stoppedSince = time.Now()
}

// Restart stops the server, keeps it down for down, and starts it again.
func (n *natsServer) Restart(down time.Duration) {
	n.Stop()
	time.Sleep(down) // the outage itself
	n.Start()
}

// connect opens a bus connection for the test (to publish events), closed
// at cleanup.
func (n *natsServer) connect(t *testing.T) *bus.Conn {
	t.Helper()
	c, err := bus.Connect(context.Background(), bus.Config{Transport: n.transport, URL: n.URL(), ClusterID: clusterID, ClientID: "test-" + randHex(4)}, discard)
	if err != nil {
		t.Fatalf("connect nats streaming: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// published returns every message stored on the channel of subject, read
// from its start up to its last sequence number as the server reports it.
func (n *natsServer) published(t *testing.T, subject events.Subject) [][]byte {
	t.Helper()
	if n.transport == bus.TransportJetStream {
		return n.publishedJetStream(t, subject)
	}
	last := n.lastSeq(t, subject)
	if last == 0 {
		return nil
	}
	nc, err := stan.Connect(clusterID, "reader-"+randHex(4), stan.NatsURL(n.URL()))
	if err != nil {
		t.Fatalf("connect nats streaming: %v", err)
	}
	defer nc.Close()
	var mu sync.Mutex
	var msgs [][]byte
	done := make(chan struct{})
	sub, err := nc.Subscribe(string(subject), func(m *stan.Msg) {
		mu.Lock()
		defer mu.Unlock()
		msgs = append(msgs, m.Data)
		if m.Sequence == last {
			close(done)
		}
	}, stan.DeliverAllAvailable())
	if err != nil {
		t.Fatalf("subscribe %s: %v", subject, err)
	}
	defer sub.Unsubscribe()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("read channel %s: sequence %d not reached in 10s", subject, last)
	}
	mu.Lock()
	defer mu.Unlock()
	return msgs
}

// lastSeq asks the monitoring endpoint for the channel's last sequence.
func (n *natsServer) lastSeq(t *testing.T, subject events.Subject) uint64 {
	t.Helper()
	u := fmt.Sprintf("http://127.0.0.1:%d/streaming/channelsz?channel=%s", n.mPort, url.QueryEscape(string(subject)))
	res, err := http.Get(u)
	if err != nil {
		t.Fatalf("channelsz: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound { // no message yet
		return 0
	}
	var ch struct {
		LastSeq uint64 `json:"last_seq"`
	}
	if err := json.NewDecoder(res.Body).Decode(&ch); err != nil {
		t.Fatalf("channelsz %s: %d: %v", subject, res.StatusCode, err)
	}
	return ch.LastSeq
}

// countPublished counts the messages on subject whose JSON field key has
// value val.
func (n *natsServer) countPublished(t *testing.T, subject events.Subject, key, val string) int {
	t.Helper()
	count := 0
	for _, m := range n.published(t, subject) {
		var fields map[string]any
		if json.Unmarshal(m, &fields) == nil && fields[key] == val {
			count++
		}
	}
	return count
}

// publishedJetStream reads every message of subject in the app's stream.
func (n *natsServer) publishedJetStream(t *testing.T, subject events.Subject) [][]byte {
	t.Helper()
	nc, err := nats.Connect(n.URL())
	if err != nil {
		t.Fatalf("connect nats: %v", err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, bus.StreamName)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("stream %s: %v", bus.StreamName, err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter(string(subject)))
	if err != nil {
		t.Fatalf("stream %s info: %v", bus.StreamName, err)
	}
	total := info.State.Subjects[string(subject)]
	if total == 0 {
		return nil
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{string(subject)}})
	if err != nil {
		t.Fatalf("read %s: %v", subject, err)
	}
	var msgs [][]byte
	for uint64(len(msgs)) < total {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("read %s: %d of %d messages: %v", subject, len(msgs), total, err)
		}
		msgs = append(msgs, m.Data())
	}
	return msgs
}

// logState logs the server's view of its channels and their subscriptions
// (the monitoring endpoint), to tell a lost message from a stuck listener.
func (n *natsServer) logState() {
	if n.transport == bus.TransportJetStream {
		n.t.Logf("nats jetstream: no state dump (see the dead letters with go run ./common/cmd/deadletters)")
		return
	}
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/streaming/channelsz?subs=1", n.mPort))
	if err != nil {
		n.t.Logf("nats streaming state: %v", err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	n.t.Logf("nats streaming channels and subscriptions:\n%s", b)
}
