//go:build integration

package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	stand "github.com/nats-io/nats-streaming-server/server"
	"github.com/nats-io/nats-streaming-server/stores"
	"github.com/nats-io/stan.go"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
)

const clusterID = "ticketing"

// natsServer is an embedded NATS Streaming server with a file store in the
// test's temporary directory, which Stop and Start stop and start again on
// the same port, with the same data, as a Kubernetes pod with a volume.
type natsServer struct {
	t            *testing.T
	port, mPort  int // client and monitoring ports
	sOpts        *stand.Options
	mu           sync.Mutex
	srv          *stand.StanServer
	stoppedSince time.Time
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = clusterID
	sOpts.StoreType = stores.TypeFile
	sOpts.FilestoreDir = t.TempDir()
	n := &natsServer{t: t, port: freePort(t), mPort: freePort(t), sOpts: sOpts}
	n.Start()
	t.Cleanup(n.Stop)
	return n
}

// URL is the client URL; it stays the same across restarts.
func (n *natsServer) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

// Start starts the server (again) on its port and file store.
func (n *natsServer) Start() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv != nil {
		return
	}
	nOpts := stand.DefaultNatsServerOptions // a copy
	nOpts.Host, nOpts.Port = "127.0.0.1", n.port
	nOpts.HTTPHost, nOpts.HTTPPort = "127.0.0.1", n.mPort
	nOpts.NoLog, nOpts.NoSigs = true, true
	sOpts := *n.sOpts
	srv, err := stand.RunServerWithOpts(&sOpts, &nOpts)
	if err != nil { // Errorf, not Fatalf: Restart may run in a goroutine of the test
		n.t.Errorf("start nats streaming on port %d: %v", n.port, err)
		return
	}
	if !n.stoppedSince.IsZero() {
		n.t.Logf("nats streaming started again after %s down", time.Since(n.stoppedSince).Round(time.Millisecond))
	}
	n.srv = srv
}

// Stop shuts the server down; its data stays.
func (n *natsServer) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.srv == nil {
		return
	}
	n.srv.Shutdown()
	n.srv = nil
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
	c, err := bus.Connect(context.Background(), bus.Config{URL: n.URL(), ClusterID: clusterID, ClientID: "test-" + randHex(4)}, discard)
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

// logState logs the server's view of its channels and their subscriptions
// (the monitoring endpoint), to tell a lost message from a stuck listener.
func (n *natsServer) logState() {
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/streaming/channelsz?subs=1", n.mPort))
	if err != nil {
		n.t.Logf("nats streaming state: %v", err)
		return
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	n.t.Logf("nats streaming channels and subscriptions:\n%s", b)
}
