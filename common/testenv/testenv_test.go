package testenv

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	healthy := func(context.Context) error { return nil }
	noDocker := func(context.Context) error { return errNoDocker }
	started := func(context.Context) (string, error) { return "mongodb://127.0.0.1:1/", nil }
	failed := func(context.Context) (string, error) { return "", errors.New("pull denied") }
	tests := []struct {
		name    string
		health  func(context.Context) error
		start   func(context.Context) (string, error)
		want    string
		wantErr string
	}{
		{name: "container", health: healthy, start: started, want: "mongodb://127.0.0.1:1/"},
		{name: "no docker", health: noDocker, start: started,
			wantErr: "MONGO_URI not set and no Docker engine: run `make deps` (or `make test`)"},
		{name: "container fails", health: healthy, start: failed,
			wantErr: "MONGO_URI not set; start a container for it: pull denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolve("MONGO_URI", tc.health, tc.start)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolve = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestEnvFirst(t *testing.T) {
	t.Setenv("REDIS_URL", "redis://127.0.0.1:6399")
	t.Setenv("NATS_URL", "nats://127.0.0.1:4299")
	t.Setenv("NATS_CLUSTER_ID", "other")
	t.Setenv("STRIPE_API_BASE", "http://127.0.0.1:12199")
	t.Setenv("MONGO_URI", "mongodb://127.0.0.1:27099/")
	if got, want := RedisURL(t), "redis://127.0.0.1:6399"; got != want {
		t.Errorf("RedisURL = %q, want %q", got, want)
	}
	if url, id := NATS(t); url != "nats://127.0.0.1:4299" || id != "other" {
		t.Errorf("NATS = %q, %q; want nats://127.0.0.1:4299, other", url, id)
	}
	if got, want := StripeBase(t), "http://127.0.0.1:12199"; got != want {
		t.Errorf("StripeBase = %q, want %q", got, want)
	}
	if got, want := MongoURI(t), "mongodb://127.0.0.1:27099/"; got != want {
		t.Errorf("MongoURI = %q, want %q", got, want)
	}
	t.Setenv("NATS_CLUSTER_ID", "")
	if _, id := NATS(t); id != DefaultClusterID {
		t.Errorf("NATS cluster id = %q, want %q", id, DefaultClusterID)
	}
}

func TestDBName(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[a-zA-Z0-9_-]{1,63}$`)
	names := map[string]bool{}
	for _, test := range []string{"TestX", "TestCreate/empty_title#01", strings.Repeat("TestVeryLong/", 20), "Tést ünïcode"} {
		got := dbName(test)
		if !valid.MatchString(got) || !strings.HasPrefix(got, "t_") {
			t.Errorf("dbName(%q) = %q: not a valid database name", test, got)
		}
		if names[got] {
			t.Errorf("dbName(%q) = %q twice", test, got)
		}
		names[got] = true
	}
	if a, b := dbName("TestX"), dbName("TestX"); a == b {
		t.Errorf("dbName gave %q twice for one test", a)
	}
}

// TestRunning: Stop cancels the function's context and waits for it; Err
// is what it returned, Done is closed once it has.
func TestRunning(t *testing.T) {
	t.Parallel()
	stopped := errors.New("stopped")
	r := Go(func(ctx context.Context) error {
		<-ctx.Done()
		return stopped
	})
	select {
	case <-r.Done():
		t.Fatal("Done before the context was cancelled")
	default:
	}
	r.Cancel()
	<-r.Done()
	if err := r.Err(); !errors.Is(err, stopped) {
		t.Errorf("Err = %v, want %v", err, stopped)
	}
	ok := Go(func(ctx context.Context) error { <-ctx.Done(); return nil })
	ok.Stop(t, 10*time.Second)
	ok.Stop(t, 10*time.Second) // a second Stop does nothing
	if err := ok.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil", err)
	}
}
