package testenv

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// FreePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// MongoURIOf returns the test stack's MongoDB URI naming the database db.
func MongoURIOf(t testing.TB, db string) string {
	t.Helper()
	u, err := url.Parse(MongoURI(t))
	if err != nil {
		t.Fatalf("MONGO_URI: %v", err)
	}
	u.Path = "/" + db
	return u.String()
}

// ServiceEnv returns the environment of a service on the test stack, for
// RunService: JWT_KEY key, MONGO_URI naming the database db, and NATS_URL
// and NATS_CLUSTER_ID of the test NATS Streaming.
func ServiceEnv(t testing.TB, key string, db *mongo.Database) map[string]string {
	t.Helper()
	url, cluster := NATS(t)
	return map[string]string{"JWT_KEY": key, "MONGO_URI": MongoURIOf(t, db.Name()), "NATS_URL": url, "NATS_CLUSTER_ID": cluster}
}

// RunService runs a service's Run (app.Run) with env as its environment,
// on 127.0.0.1 and a free port (HOST and PORT are set unless env has
// them), waits until its /readyz answers 200, and returns its base URL. At
// the end of the test it cancels the service, which must return nil within
// 20 s.
func RunService(t testing.TB, run func(context.Context, *slog.Logger, func(string) string) error, env map[string]string) string {
	t.Helper()
	base, _ := StartService(t, run, env)
	return base
}

// StartService is RunService that also returns the running service, for a
// test that stops it (Stop) before its end.
func StartService(t testing.TB, run func(context.Context, *slog.Logger, func(string) string) error, env map[string]string) (string, *Running) {
	t.Helper()
	vars := map[string]string{"HOST": "127.0.0.1", "PORT": FreePort(t)}
	for k, v := range env {
		vars[k] = v
	}
	r := Go(func(ctx context.Context) error {
		return run(ctx, slog.New(slog.DiscardHandler), func(k string) string { return vars[k] })
	})
	t.Cleanup(func() { r.Stop(t, 20*time.Second) })
	base := "http://" + net.JoinHostPort(vars["HOST"], vars["PORT"])
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-r.Done():
			t.Fatalf("Run returned before it was ready: %v", r.Err())
		default:
		}
		if code, _ := Request(t, http.MethodGet, base+"/readyz", "", nil); code == http.StatusOK {
			return base, r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/readyz not 200 within 30s", base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Request sends a request (a JSON body unless body is empty, the cookie
// unless nil) and returns the status and body; 0 when the server cannot be
// reached.
func Request(t testing.TB, method, url, body string, cookie *http.Cookie) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, ""
	}
	return res.StatusCode, string(b)
}
