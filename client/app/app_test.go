package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/client/app"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestRunReportsMissingConfig(t *testing.T) {
	t.Parallel()
	err := app.Run(context.Background(), discard, func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "API_BASE_URL") {
		t.Fatalf("Run = %v, want an error naming API_BASE_URL", err)
	}
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	env := map[string]string{"HOST": "127.0.0.1", "PORT": port, "API_BASE_URL": "http://127.0.0.1:1"}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, discard, func(k string) string { return env[k] }) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get("http://127.0.0.1:" + port + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("/healthz = %d, want 200", res.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client never answered /healthz: %v", err)
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	// The API is down: a page is a readable 502, not a crash.
	res, err := http.Get("http://127.0.0.1:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadGateway {
		t.Errorf("GET / with the API down = %d, want 502", res.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
