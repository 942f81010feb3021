package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/gittix/ticketing/common/bus"
)

// Bus returns the broker settings (Transport, URL, ClusterID; the caller
// sets ClientID) for the transport BUS names:
//   - unset or "stan": NATS Streaming, as NATS returns it (what every
//     existing caller gets);
//   - "jetstream": NATS_URL when set (it must then be a server with
//     JetStream enabled), else a nats-server with JetStream on a file store
//     embedded in the test binary, started once per binary.
func Bus(t testing.TB) bus.Config {
	t.Helper()
	switch v := os.Getenv("BUS"); v {
	case "", bus.TransportStan:
		url, id := NATS(t)
		return bus.Config{Transport: bus.TransportStan, URL: url, ClusterID: id}
	case bus.TransportJetStream:
		return bus.Config{Transport: bus.TransportJetStream, URL: jetstreamServer.get(t)}
	default:
		t.Fatalf("BUS is %q, want %s or %s", v, bus.TransportStan, bus.TransportJetStream)
		return bus.Config{}
	}
}

var jetstreamServer = &server{env: "NATS_URL", start: startJetStream, embedded: true}

const jetstreamDirPrefix = "gittix-testenv-jetstream-"

// startJetStream runs a nats-server with JetStream inside the test binary
// on a free loopback port, storing in a temporary directory named after
// the process. It lives as long as the binary; the directories of test
// binaries that have exited are removed here, at the next start.
func startJetStream(context.Context) (string, error) {
	removeStaleJetStreamDirs()
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", jetstreamDirPrefix, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("jetstream store directory: %w", err)
	}
	s, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: dir,
	})
	if err != nil {
		return "", fmt.Errorf("start embedded nats-server with jetstream: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return "", errors.New("embedded nats-server with jetstream not ready in 10s")
	}
	return s.ClientURL(), nil
}

func removeStaleJetStreamDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), jetstreamDirPrefix+"*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(d), jetstreamDirPrefix), "-", 2)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
			continue // still running
		}
		_ = os.RemoveAll(d)
	}
}
