package testenv

import (
	"context"
	"fmt"
	"net"
	"testing"

	stand "github.com/nats-io/nats-streaming-server/server"
)

// RunNATS runs a NATS Streaming server (memory store, cluster id
// DefaultClusterID) on a free loopback port, and returns it with its URL.
func RunNATS() (*stand.StanServer, string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("find a port for nats streaming: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	nOpts := stand.DefaultNatsServerOptions
	nOpts.Host, nOpts.Port = "127.0.0.1", port
	nOpts.NoLog, nOpts.NoSigs = true, true
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = DefaultClusterID
	s, err := stand.RunServerWithOpts(sOpts, &nOpts)
	if err != nil {
		return nil, "", fmt.Errorf("start embedded nats streaming: %w", err)
	}
	return s, fmt.Sprintf("nats://127.0.0.1:%d", port), nil
}

// StartNATS runs a NATS Streaming server of the test's own (NATS gives one
// shared by the test binary), shut down at the end of the test; it returns
// the server and its URL.
func StartNATS(t testing.TB) (*stand.StanServer, string) {
	t.Helper()
	s, url, err := RunNATS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Shutdown)
	return s, url
}

// startNATS runs the server the test binary shares; it lives as long as
// the binary.
func startNATS(context.Context) (string, error) {
	_, url, err := RunNATS()
	return url, err
}
