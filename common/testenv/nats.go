package testenv

import (
	"context"
	"fmt"
	"net"

	stand "github.com/nats-io/nats-streaming-server/server"
)

// startNATS runs a NATS Streaming server (memory store) inside the test
// binary on a free loopback port. It lives as long as the binary.
func startNATS(context.Context) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a port for nats streaming: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	nOpts := stand.DefaultNatsServerOptions
	nOpts.Host, nOpts.Port = "127.0.0.1", port
	nOpts.NoLog, nOpts.NoSigs = true, true
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = DefaultClusterID
	if _, err := stand.RunServerWithOpts(sOpts, &nOpts); err != nil {
		return "", fmt.Errorf("start embedded nats streaming: %w", err)
	}
	return fmt.Sprintf("nats://127.0.0.1:%d", port), nil
}
