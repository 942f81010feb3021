//go:build integration

package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/app"
)

// TestRun starts the whole service on the real MongoDB and NATS Streaming,
// waits until it is ready, sells a ticket over HTTP, and shuts it down.
func TestRun(t *testing.T) {
	t.Parallel()
	key := "app-test-key-of-32-bytes-or-more!"
	base := testenv.RunService(t, app.Run, testenv.ServiceEnv(t, key, testenv.Mongo(t)))
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
