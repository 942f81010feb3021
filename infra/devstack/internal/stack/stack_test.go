package stack_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/stan.go"
	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

var discard = slog.New(slog.DiscardHandler)

func noEnv(string) string { return "" }

func noRedisServer(string) (string, error) { return "", exec.ErrNotFound }

func start(t *testing.T, cfg stack.Config) *stack.Stack {
	t.Helper()
	if cfg.Getenv == nil {
		cfg.Getenv = noEnv
	}
	s, err := stack.Start(t.Context(), cfg, discard)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return s
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestStartStop starts everything, uses every server, stops, and checks
// that no goroutine is left behind. It is not parallel, so that the
// goroutine count means something.
func TestStartStop(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lookPath func(string) (string, error)
	}{
		{name: "redis from PATH or miniredis", lookPath: nil},
		{name: "miniredis", lookPath: noRedisServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			begin := time.Now()
			s := start(t, stack.Config{LookPath: tc.lookPath})
			t.Logf("started in %v", time.Since(begin))
			env := s.Env()
			for _, k := range stack.Keys {
				if env[k] == "" {
					t.Errorf("env %s is empty", k)
				}
			}
			for _, line := range s.EnvLines() {
				if k, v, _ := strings.Cut(line, "="); k == stack.EnvNATSURL && !strings.Contains(v, "@127.0.0.1:") ||
					k == stack.EnvMongoURI && !strings.HasPrefix(v, "mongodb://127.0.0.1:") ||
					k == stack.EnvRedisURL && !(strings.HasPrefix(v, "redis://:") && strings.Contains(v, "@127.0.0.1:")) ||
					k == stack.EnvStripeAPIBase && !strings.HasPrefix(v, "http://127.0.0.1:") {
					t.Errorf("%s: not on 127.0.0.1", line)
				}
			}
			useAll(t, env)
			if err := s.Stop(); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if err := s.Stop(); err != nil {
				t.Fatalf("second Stop: %v", err)
			}
			waitGoroutines(t, before)
		})
	}
}

// useAll talks to every server once.
func useAll(t *testing.T, env map[string]string) {
	t.Helper()
	ctx := ctxT(t)

	mc, err := mongo.Connect(options.Client().ApplyURI(env[stack.EnvMongoURI]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.Database("smoke").Collection("c").InsertOne(ctx, bson.D{{Key: "x", Value: 1}}); err != nil {
		t.Errorf("mongo insert: %v", err)
	}
	_ = mc.Disconnect(ctx)

	sc, err := stan.Connect(env[stack.EnvNATSClusterID], "smoke", stan.NatsURL(env[stack.EnvNATSURL]))
	if err != nil {
		t.Fatalf("stan connect: %v", err)
	}
	if err := sc.Publish("smoke", []byte("hi")); err != nil {
		t.Errorf("stan publish: %v", err)
	}
	_ = sc.Close()
	// The stack's own broker requires the user and password of NATS_URL.
	if u, err := url.Parse(env[stack.EnvNATSURL]); err != nil || u.User == nil {
		t.Errorf("NATS_URL %q carries no credentials (%v)", env[stack.EnvNATSURL], err)
	} else {
		u.User = nil
		if sc, err := stan.Connect(env[stack.EnvNATSClusterID], "anonymous", stan.NatsURL(u.String())); err == nil {
			_ = sc.Close()
			t.Error("stan connected without the credentials of NATS_URL")
		}
	}

	opt, err := redis.ParseURL(env[stack.EnvRedisURL])
	if err != nil {
		t.Fatal(err)
	}
	rc := redis.NewClient(opt)
	if err := rc.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Errorf("redis set: %v", err)
	}
	_ = rc.Close()
	// The stack's own Redis requires the password of REDIS_URL.
	opt.Password = ""
	anon := redis.NewClient(opt)
	if err := anon.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("redis set without the password: %v, want NOAUTH", err)
	}
	_ = anon.Close()

	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env[stack.EnvStripeAPIBase]+"/v1/charges", nil)
	req.Header.Set("Authorization", "Bearer sk_test_123")
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("stripe-mock GET /v1/charges: status %d, want 200", res.StatusCode)
	}
}

func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Stop, want <= %d:\n%s",
				runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPersistence checks that a document and a NATS Streaming message
// survive a restart on the same data dir.
func TestPersistence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := ctxT(t)

	s := start(t, stack.Config{DataDir: dir})
	env := s.Env()
	mc, err := mongo.Connect(options.Client().ApplyURI(env[stack.EnvMongoURI]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.Database("p").Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: "kept"}}); err != nil {
		t.Fatal(err)
	}
	_ = mc.Disconnect(ctx)
	sc, err := stan.Connect(env[stack.EnvNATSClusterID], "writer", stan.NatsURL(env[stack.EnvNATSURL]))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Publish("kept", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	_ = sc.Close()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}

	s = start(t, stack.Config{DataDir: dir})
	defer s.Stop()
	env = s.Env()
	mc, err = mongo.Connect(options.Client().ApplyURI(env[stack.EnvMongoURI]))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	if n, err := mc.Database("p").Collection("c").CountDocuments(ctx, bson.D{{Key: "_id", Value: "kept"}}); err != nil || n != 1 {
		t.Errorf("after restart: count = %d, %v; want 1", n, err)
	}
	sc, err = stan.Connect(env[stack.EnvNATSClusterID], "reader", stan.NatsURL(env[stack.EnvNATSURL]))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	got := make(chan string, 1)
	sub, err := sc.Subscribe("kept", func(m *stan.Msg) {
		select {
		case got <- string(m.Data):
		default:
		}
	}, stan.DeliverAllAvailable())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	select {
	case msg := <-got:
		if msg != "hello" {
			t.Errorf("message = %q, want hello", msg)
		}
	case <-ctx.Done():
		t.Fatal("the message did not survive the restart")
	}
}

// TestExternal checks that servers named in the environment are used and
// nothing is started.
func TestExternal(t *testing.T) {
	t.Parallel()
	ext := map[string]string{
		stack.EnvMongoURI:      "mongodb://127.0.0.1:1/",
		stack.EnvNATSURL:       "nats://127.0.0.1:2",
		stack.EnvNATSClusterID: "other",
		stack.EnvRedisURL:      "redis://127.0.0.1:3",
		stack.EnvStripeAPIBase: "http://127.0.0.1:4",
	}
	s := start(t, stack.Config{Getenv: func(k string) string { return ext[k] }})
	defer s.Stop()
	got := s.Env()
	for k, want := range ext {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

// TestStartError checks that a failing server makes Start fail and stop the
// others.
func TestStartError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A file where the data dir should be: every server that needs it fails.
	file := dir + "/file"
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := stack.Start(t.Context(), stack.Config{DataDir: file, Getenv: noEnv}, discard)
	if err == nil {
		t.Fatal("Start succeeded with a file as data dir")
	}
	if !strings.Contains(err.Error(), "data dir") {
		t.Errorf("err = %v, want it to mention the data dir", err)
	}
}
