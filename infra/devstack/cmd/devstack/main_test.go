package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/testenv"
)

func TestWriteAtomic(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "sub", "deps.env")
	for _, data := range []string{"A=1\n", "A=2\nB=3\n"} {
		if err := writeAtomic(name, data); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(name)
		if err != nil || string(got) != data {
			t.Fatalf("file = %q, %v; want %q", got, err, data)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(name))
	if len(entries) != 1 {
		t.Fatalf("%d files in the directory, want 1 (no temporary left)", len(entries))
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	for _, args := range [][]string{nil, {"nope"}, {"deps", "-bogus"}} {
		if err := run(t.Context(), log, io.Discard, args); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}

// TestDeps runs `deps` with a temporary data dir, reads the lines, then
// cancels and checks that the env file is gone.
func TestDeps(t *testing.T) {
	// Not parallel: it clears the variables that would make deps use
	// servers of the environment (make test sets them) instead of its own.
	for _, k := range []string{"MONGO_URI", "NATS_URL", "REDIS_URL", "STRIPE_API_BASE"} {
		t.Setenv(k, "")
	}
	envFile := filepath.Join(t.TempDir(), "deps.env")
	pr, pw := io.Pipe()
	log := slog.New(slog.DiscardHandler)
	deps := testenv.Go(func(ctx context.Context) error {
		return run(ctx, log, pw, []string{"deps", "-data", "", "-env-file", envFile})
	})

	sc := bufio.NewScanner(pr)
	got := map[string]string{}
	for len(got) < 5 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		got[k] = v
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if got["NATS_CLUSTER_ID"] != "ticketing" || !strings.HasPrefix(got["MONGO_URI"], "mongodb://127.0.0.1:") {
		t.Errorf("lines = %v", got)
	}
	file, err := os.ReadFile(envFile)
	if err != nil || !regexp.MustCompile(`(?m)^REDIS_URL=redis://:\w+@127\.0\.0\.1:\d+$`).Match(file) {
		t.Errorf("env file = %q, %v", file, err)
	}

	deps.Stop(t, 30*time.Second)
	if _, err := os.Stat(envFile); !os.IsNotExist(err) {
		t.Errorf("env file still there after stop: %v", err)
	}
}
