//go:build integration

package faults_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

var discard = slog.New(slog.DiscardHandler)

// jwtKey signs the sessions of every test.
const jwtKey = "faults-test-jwt-key-of-32-bytes-or-more"

// cluster is one test's deployment: its NATS Streaming server, its
// databases (named after a random id) and its service processes.
type cluster struct {
	t         *testing.T
	id        string
	nats      *natsServer
	svcs      []*service
	mongoAddr string // if set, the services reach MongoDB at this host:port (a proxy)
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, id: "f" + randHex(4), nats: startNATS(t)}
	t.Cleanup(func() {
		if t.Failed() {
			c.nats.logState()
		}
		// Services stop before NATS (registered earlier, so cleaned up later).
		for _, s := range c.svcs {
			s.shutdown()
		}
		for _, s := range c.svcs {
			s.report()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, s := range c.svcs {
			if s.db != "" {
				_ = inspect.Database(s.db).Drop(ctx)
			}
		}
	})
	return c
}

// db is the service's database, as the test sees it.
func (c *cluster) db(svc string) *mongo.Database { return inspect.Database(c.id + "_" + svc) }

// start starts a service under supervision and waits until it is ready.
// env adds to or overrides its environment.
func (c *cluster) start(name string, env map[string]string) *service {
	c.t.Helper()
	s := c.add(name, env)
	s.start()
	s.waitReady(60 * time.Second)
	return s
}

// startAll starts the services with their default environment, then waits
// until every one is ready.
func (c *cluster) startAll(names ...string) []*service {
	c.t.Helper()
	svcs := make([]*service, len(names))
	for i, name := range names {
		svcs[i] = c.add(name, nil)
		svcs[i].start()
	}
	for _, s := range svcs {
		s.waitReady(60 * time.Second)
	}
	return svcs
}

// add prepares a service without starting it.
func (c *cluster) add(name string, env map[string]string) *service {
	c.t.Helper()
	s := &service{
		t: c.t, name: name, bin: filepath.Join(binDir, name), port: freePort(c.t),
		out: &testenv.LogBuffer{}, backoff: 250 * time.Millisecond,
	}
	var db string
	if name != "expiration" {
		s.db = c.id + "_" + name
		db = s.db
	}
	base, err := stack.ServiceEnv(stackEnv, name+"-0", s.port, db) // the pod's name: the same after a restart
	if err != nil {
		c.t.Fatal(err)
	}
	maps.Copy(base, c.nats.env())
	base["JWT_KEY"] = jwtKey
	switch name {
	case "auth", "tickets", "orders", "payments":
		base["MONGO_URI"] = withMongoAddr(c.t, base["MONGO_URI"], c.mongoAddr)
	case "expiration":
		if _, ok := env["REDIS_URL"]; !ok {
			base["REDIS_URL"] = redisDB(c.t, stackEnv[stack.EnvRedisURL])
		}
	}
	switch name {
	case "orders":
		base["EXPIRATION_WINDOW_SECONDS"] = "600" // no order expires during a test unless it asks
	case "payments":
		base["STRIPE_KEY"] = "sk_test_faults"
	}
	for k, v := range env {
		base[k] = v
	}
	for k, v := range base {
		s.env = append(s.env, k+"="+v)
	}
	c.svcs = append(c.svcs, s)
	return s
}

// service is one service's process, restarted by the harness when it exits
// on its own (as Kubernetes restarts a container), but not when the test
// killed or stopped it.
type service struct {
	t       *testing.T
	name    string
	bin     string
	port    int
	db      string // its database, if any
	env     []string
	out     *testenv.LogBuffer // the output of every run, with markers between runs
	backoff time.Duration

	mu        sync.Mutex
	cmd       *exec.Cmd
	exited    chan struct{} // closed when the current run ends
	held      bool          // the test stopped it: do not restart
	closed    bool          // the test is over
	runs      int
	restarts  int // by the supervisor
	startedAt time.Time
	delay     time.Duration // the last restart delay
	lastExit  string
}

// URL is the service's base URL.
func (s *service) URL() string { return "http://127.0.0.1:" + strconv.Itoa(s.port) }

// start runs the binary (again).
func (s *service) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = false
	if err := s.startLocked(); err != nil {
		s.t.Fatalf("start %s: %v", s.name, err)
	}
}

func (s *service) startLocked() error {
	cmd := exec.Command(s.bin)
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = s.out, s.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	s.runs++
	s.startedAt = time.Now()
	fmt.Fprintf(s.out, "--- %s run %d at %s\n", s.name, s.runs, time.Now().Format("15:04:05.000"))
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	s.cmd, s.exited = cmd, exited
	go s.supervise(cmd, exited)
	return nil
}

// supervise waits for one run to end and restarts the service after the
// backoff unless the test stopped it.
func (s *service) supervise(cmd *exec.Cmd, exited chan struct{}) {
	err := cmd.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastExit = fmt.Sprint(err)
	if err == nil {
		s.lastExit = "exit status 0"
	}
	fmt.Fprintf(s.out, "--- %s run %d ended at %s: %s\n", s.name, s.runs, time.Now().Format("15:04:05.000"), s.lastExit)
	close(exited)
	if s.held || s.closed {
		return
	}
	s.restarts++
	// Like Kubernetes' CrashLoopBackOff, only shorter: the delay doubles
	// while runs keep failing soon after their start.
	if time.Since(s.startedAt) < 5*time.Second {
		s.delay = min(max(2*s.delay, s.backoff), 2*time.Second)
	} else {
		s.delay = s.backoff
	}
	delay := s.delay
	go func() {
		time.Sleep(delay) // the restart backoff
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.held || s.closed || s.exited != exited {
			return
		}
		if err := s.startLocked(); err != nil {
			fmt.Fprintf(s.out, "--- restart %s: %v\n", s.name, err)
		}
	}()
}

// signal sends sig to the current run and holds the service down; it
// returns the channel closed when that run has ended.
func (s *service) signal(sig syscall.Signal) <-chan struct{} {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = true
	if err := s.cmd.Process.Signal(sig); err != nil {
		fmt.Fprintf(s.out, "--- signal %v: %v\n", sig, err)
	}
	return s.exited
}

// crash SIGKILLs the current run, if any; the supervisor restarts the
// service, as Kubernetes restarts a crashed container.
func (s *service) crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.exited:
	default:
		fmt.Fprintf(s.out, "--- %s run %d: SIGKILL by the test\n", s.name, s.runs)
		_ = s.cmd.Process.Kill()
	}
}

// kill SIGKILLs the service and waits until it is gone.
func (s *service) kill() {
	s.t.Helper()
	select {
	case <-s.signal(syscall.SIGKILL):
	case <-time.After(10 * time.Second):
		s.t.Fatalf("%s still running 10s after SIGKILL", s.name)
	}
}

// term SIGTERMs the service and returns how long it took to exit, and how
// it exited.
func (s *service) term(limit time.Duration) (time.Duration, string) {
	s.t.Helper()
	begin := time.Now()
	select {
	case <-s.signal(syscall.SIGTERM):
	case <-time.After(limit):
		s.t.Fatalf("%s still running %s after SIGTERM", s.name, limit)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(begin), s.lastExit
}

// stats returns the number of runs and of supervisor restarts so far.
func (s *service) stats() (runs, restarts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs, s.restarts
}

// running reports whether the current run is still going.
func (s *service) running() bool {
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	select {
	case <-exited:
		return false
	default:
		return true
	}
}

// shutdown ends the test's use of the service: SIGTERM, then SIGKILL.
func (s *service) shutdown() {
	s.mu.Lock()
	s.closed = true
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// report fails the test on a data race in the service's output, and shows
// the output when the test failed.
func (s *service) report() {
	out := s.out.String()
	if strings.Contains(out, "WARNING: DATA RACE") {
		s.t.Errorf("%s: data race in the service's output", s.name)
	}
	if dir := os.Getenv("FAULTS_OUTPUT_DIR"); dir != "" {
		name := strings.NewReplacer("/", "_", " ", "_", ",", "").Replace(s.t.Name()) + "." + s.name + ".log"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(out), 0o644); err != nil {
			s.t.Errorf("write output: %v", err)
		}
	}
	if s.t.Failed() {
		const max = 48 << 10
		if len(out) > max {
			out = "…" + out[len(out)-max:]
		}
		s.t.Logf("output of %s (runs %d, restarts %d):\n%s", s.name, s.runs, s.restarts, out)
	}
}

// waitReady polls /readyz until it answers 200.
func (s *service) waitReady(limit time.Duration) {
	s.t.Helper()
	client := &http.Client{Timeout: 3 * time.Second}
	poll.Until(s.t, limit, s.name+" ready", func() (bool, string) {
		res, err := client.Get(s.URL() + "/readyz")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == http.StatusOK, statusOrErr(res, err)
	})
}

func statusOrErr(res *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return res.Status
}

// withMongoAddr returns the MongoDB uri with its host:port replaced by
// addr, when addr is set (a test's fault-injecting proxy).
func withMongoAddr(t *testing.T, uri, addr string) string {
	t.Helper()
	if addr == "" {
		return uri
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("MONGO_URI: %v", err)
	}
	u.Host = addr
	return u.String()
}

// redisDBs numbers the Redis databases handed out: every test that runs
// expiration gets its own (asynq's queues live in the database).
var redisDBs atomic.Int32

// redisDB returns uri pointing at a database no other test uses, emptied
// of what an earlier run may have left there.
func redisDB(t *testing.T, uri string) string {
	t.Helper()
	n := redisDBs.Add(1)
	if n > 15 {
		t.Fatal("more than 15 tests use Redis: the server has 16 databases")
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	u.Path = fmt.Sprintf("/%d", n)
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	if err := rdb.FlushDB(t.Context()).Err(); err != nil {
		t.Fatalf("flush redis database %d: %v", n, err)
	}
	return u.String()
}

// freePort returns a port of 127.0.0.1 that was free a moment ago, below
// the kernel's range of ephemeral ports: a server here is restarted on the
// same port (a service, NATS, a proxy), and while it is down an outgoing
// connection could otherwise be given that port as its own. No port is
// handed out twice.
func freePort(t *testing.T) int {
	t.Helper()
	low := 32768 // Linux's default start of the ephemeral range
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 1000 {
		p := 10000 + rand.IntN(low-10000)
		if _, taken := handedOut.LoadOrStore(p, true); taken {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		l.Close()
		return p
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

var handedOut sync.Map // ports freePort returned
