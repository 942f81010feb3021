//go:build integration

package faults_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

// services are the binaries the tests run, by directory name.
var services = []string{"auth", "tickets", "orders", "payments", "expiration"}

// Set by TestMain.
var (
	binDir   string            // the built service binaries
	stackEnv map[string]string // MONGO_URI, REDIS_URL, STRIPE_API_BASE
	inspect  *mongo.Client     // the tests' own view of MongoDB, never cut off
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	root, err := repoRoot()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "faults-bin-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	begin := time.Now()
	if err := build(root, dir); err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "faults: built %s in %s (race detector: %v)\n",
		strings.Join(services, ", "), time.Since(begin).Round(time.Millisecond), raceEnabled)
	binDir = dir

	// MongoDB, Redis and stripe-mock come from the environment (make test)
	// or are started here. NATS Streaming is not: every test embeds its
	// own, with a file store it can stop and start again.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := stack.Start(ctx, stack.Config{Getenv: func(k string) string {
		if k == stack.EnvNATSURL {
			return "nats://per-test.invalid:4222" // never used
		}
		return os.Getenv(k)
	}}, log)
	if err != nil {
		return 0, err
	}
	defer st.Stop()
	stackEnv = st.Env()

	inspect, err = mongo.Connect(options.Client().ApplyURI(stackEnv[stack.EnvMongoURI]).SetMaxPoolSize(16))
	if err != nil {
		return 0, err
	}
	defer inspect.Disconnect(context.Background())
	// The tests wait on processes and servers far more than they compute:
	// run them all at once, not GOMAXPROCS at a time (unless -parallel is
	// given).
	flag.Parse()
	parallel := false
	flag.Visit(func(f *flag.Flag) { parallel = parallel || f.Name == "test.parallel" })
	if !parallel {
		if err := flag.Set("test.parallel", "16"); err != nil {
			return 0, err
		}
	}
	return m.Run(), nil
}

// repoRoot walks up from the working directory to the directory of go.work.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.work above the working directory")
		}
		dir = parent
	}
}

// build builds every service's binary into dir, in one go command, with the
// race detector when the tests have it.
func build(root, dir string) error {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	if raceEnabled {
		args = append(args, "-race")
	}
	for _, s := range services {
		args = append(args, "github.com/gittix/ticketing/"+s+"/cmd/"+s)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}
