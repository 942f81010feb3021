//go:build integration

package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/app"
)

// TestRun starts the whole service on the real MongoDB and NATS Streaming,
// waits until it is ready, sells a ticket over HTTP, and shuts it down.
func TestRun(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	natsURL, cluster := testenv.NATS(t)
	mongoURI, err := url.Parse(testenv.MongoURI(t))
	if err != nil {
		t.Fatalf("MONGO_URI: %v", err)
	}
	mongoURI.Path = "/" + db.Name() // the service uses the test's database
	port := freePort(t)
	key := "app-test-key-of-32-bytes-or-more!"
	env := map[string]string{
		"HOST": "127.0.0.1", "PORT": port, "JWT_KEY": key,
		"MONGO_URI": mongoURI.String(), "NATS_URL": natsURL, "NATS_CLUSTER_ID": cluster,
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(k string) string { return env[k] })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v after shutdown, want nil", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within 15s of shutdown")
		}
	})

	base := "http://127.0.0.1:" + port
	bustest.Eventually(t, "service ready", func() bool {
		res, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	if res, err := http.Get(base + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz = %v, %v; want 200", res, err)
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/api/tickets", strings.NewReader(`{"title":"concert","price":"15"}`))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(authtest.Cookie(t, []byte(key), auth.User{ID: "u1", Email: "u1@test.dev"}))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"price":15`) {
		t.Fatalf("POST /api/tickets = %d %s, want 201 with price 15", res.StatusCode, body)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}
