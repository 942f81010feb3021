package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/infra/devstack/internal/devapp"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

// services are the processes measured, with their readiness paths.
var services = []struct{ name, ready string }{
	{"auth", "/readyz"},
	{"tickets", "/readyz"},
	{"orders", "/readyz"},
	{"expiration", "/readyz"},
	{"payments", "/readyz"},
	{"client", "/healthz"},
}

// footprintConfig configures footprint.
type footprintConfig struct {
	root         string // the repository (holds go.work)
	starts       int    // start-to-ready samples per service
	idle         time.Duration
	catalogue    int
	conns        int
	dur          time.Duration
	window       string // EXPIRATION_WINDOW_SECONDS
	logFile      string
	readyTimeout time.Duration
}

// proc is a running service process.
type proc struct {
	name string
	cmd  *exec.Cmd
	port int
	exit chan error
}

// footprint builds the services, runs each as its own process on fresh
// backing servers, and measures start-to-ready and resident memory idle and
// after a short load. It returns the footprint and the rows of that load.
func footprint(ctx context.Context, cfg footprintConfig, log *slog.Logger) ([]footRow, []row, []string, error) {
	f, err := newFleet(ctx, cfg, log)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.close()
	foot, failures, err := f.measureStarts(ctx, log)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := sleep(ctx, cfg.idle); err != nil {
		return nil, nil, nil, err
	}
	for i, p := range f.procs {
		if foot[i].idle, _, err = rss(p.cmd.Process.Pid); err != nil {
			return nil, nil, nil, err
		}
	}
	rows, loadFailures, err := f.load(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	failures = append(failures, loadFailures...)
	if err := sleep(ctx, 2*time.Second); err != nil {
		return nil, nil, nil, err
	}
	for i, p := range f.procs {
		if foot[i].loaded, foot[i].peak, err = rss(p.cmd.Process.Pid); err != nil {
			return nil, nil, nil, err
		}
		foot[i].rssOK = met(foot[i].idle <= 25e6)
	}
	for i, p := range f.procs {
		if err := stopProc(p, 15*time.Second); err != nil {
			failures = append(failures, err.Error())
		}
		f.procs[i] = nil
	}
	return foot, rows, failures, nil
}

// fleet is the services as separate processes on a stack of their own,
// behind a gateway of the bench's.
type fleet struct {
	cfg     footprintConfig
	bin     string // the built services
	stack   *stack.Stack
	gateway net.Listener
	logs    *os.File
	key     string
	procs   []*proc // the running process of each of services
	cleanup []func()
}

func newFleet(ctx context.Context, cfg footprintConfig, log *slog.Logger) (f *fleet, err error) {
	f = &fleet{cfg: cfg, key: randomKey(), procs: make([]*proc, len(services))}
	defer func() {
		if err != nil {
			f.close()
		}
	}()
	if f.bin, err = os.MkdirTemp("", "gittix-bench-bin-"); err != nil {
		return f, err
	}
	f.cleanup = append(f.cleanup, func() { os.RemoveAll(f.bin) })
	begin := time.Now()
	if err := build(ctx, cfg.root, f.bin); err != nil {
		return f, err
	}
	log.Info("built the services", "took", time.Since(begin).Round(time.Millisecond))

	data, err := os.MkdirTemp("", "gittix-bench-fp-")
	if err != nil {
		return f, err
	}
	f.cleanup = append(f.cleanup, func() { os.RemoveAll(data) })
	if f.stack, err = stack.Start(ctx, stack.Config{DataDir: data, Getenv: func(string) string { return "" }}, log); err != nil {
		return f, err
	}
	f.cleanup = append(f.cleanup, func() { f.stack.Stop() })
	// The gateway's address is fixed before the client starts (its
	// API_BASE_URL).
	if f.gateway, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return f, err
	}
	f.cleanup = append(f.cleanup, func() { f.gateway.Close() })
	if f.logs, err = os.OpenFile(cfg.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return f, err
	}
	f.cleanup = append(f.cleanup, func() { f.logs.Close() })
	return f, nil
}

// close kills what still runs and removes what the fleet made, newest first.
func (f *fleet) close() {
	for _, p := range f.procs {
		if p != nil {
			p.cmd.Process.Kill()
		}
	}
	for _, c := range slices.Backward(f.cleanup) {
		c()
	}
}

func (f *fleet) gatewayURL() string { return "http://" + f.gateway.Addr().String() }

// env is the environment of service name listening on port.
func (f *fleet) env(name string, port int) ([]string, error) {
	env, err := stack.ServiceEnv(f.stack.Env(), name+"-"+randomKey()[:8], port, name)
	if err != nil {
		return nil, err
	}
	env["PATH"] = os.Getenv("PATH")
	env["STRIPE_KEY"] = "sk_test_bench"
	env["JWT_KEY"] = f.key
	env["COOKIE_SECURE"] = "false"
	env["API_BASE_URL"] = f.gatewayURL()
	env["EXPIRATION_WINDOW_SECONDS"] = f.cfg.window
	env["TICKETS_PER_HOUR"] = "10000000" // one seller lists the whole catalogue
	var list []string
	for k, v := range env {
		list = append(list, k+"="+v)
	}
	return list, nil
}

// start starts service name on a free port.
func (f *fleet) start(name string) (*proc, error) {
	port, err := devapp.FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(f.bin, name))
	if cmd.Env, err = f.env(name, port); err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = f.logs, f.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, port: port, exit: make(chan error, 1)}
	go func() { p.exit <- cmd.Wait() }()
	return p, nil
}

// measureStarts starts every service cfg.starts times and times it until
// ready; the last start of each keeps running (f.procs).
func (f *fleet) measureStarts(ctx context.Context, log *slog.Logger) ([]footRow, []string, error) {
	var failures []string
	foot := make([]footRow, len(services))
	for i, s := range services {
		foot[i].service = s.name
		var took []time.Duration
		for n := range f.cfg.starts {
			p, err := f.start(s.name)
			if err != nil {
				return nil, nil, err
			}
			d, err := waitReadyProc(ctx, p, s.ready, f.cfg.readyTimeout)
			if err != nil {
				p.cmd.Process.Kill()
				return nil, nil, err
			}
			took = append(took, d)
			if n == f.cfg.starts-1 {
				f.procs[i] = p
				break
			}
			if err := stopProc(p, 15*time.Second); err != nil {
				failures = append(failures, err.Error())
			}
		}
		slices.Sort(took)
		foot[i].ready, foot[i].readyMax = took[len(took)/2], took[len(took)-1]
		foot[i].readyMet = met(foot[i].ready <= 300*time.Millisecond)
		log.Info("ready", "service", s.name, "took", took)
	}
	return foot, failures, nil
}

// load serves the running services behind the gateway and runs
// footprintLoad through it; its failures are returned as lines.
func (f *fleet) load(ctx context.Context) ([]row, []string, error) {
	targets := make(map[string]*url.URL, len(f.procs))
	for _, p := range f.procs {
		targets[p.name] = &url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(p.port)}
	}
	srv := &http.Server{Handler: devapp.Gateway(targets), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(f.gateway)
	defer srv.Close()

	mc, err := mongo.Connect(options.Client().ApplyURI(f.stack.Env()[stack.EnvMongoURI]))
	if err != nil {
		return nil, nil, err
	}
	defer mc.Disconnect(context.Background())
	var failures []string
	rows, err := footprintLoad(ctx, newAPI(f.gatewayURL(), []byte(f.key), f.cfg.conns), mc, f.cfg)
	if err != nil {
		failures = append(failures, "footprint load: "+err.Error())
	}
	for _, r := range rows {
		if r.st.errors > 0 {
			failures = append(failures, fmt.Sprintf("footprint load: %s: %d errors, e.g. %v", strings.TrimSpace(r.scenario), r.st.errors, r.st.sample))
		}
	}
	return rows, failures, nil
}

// footprintLoad runs a short browse and purchase through the gateway, and a
// few sign-ups and sign-ins (auth's argon2 holds memory).
func footprintLoad(ctx context.Context, a *api, mc *mongo.Client, cfg footprintConfig) ([]row, error) {
	for i := range 5 {
		body := fmt.Appendf(nil, `{"email":"bench%d@example.com","password":"bench-pass-%d"}`, i, i)
		if err := a.do(ctx, "POST", "/api/users/signup", nil, body, http.StatusCreated, nil); err != nil {
			return nil, err
		}
		if err := a.do(ctx, "POST", "/api/users/signin", nil, body, http.StatusOK, nil); err != nil {
			return nil, err
		}
	}
	catalogue, err := a.createTickets(ctx, cfg.catalogue)
	if err != nil {
		return nil, err
	}
	rows := browse(ctx, a, catalogue, cfg.conns, time.Second, cfg.dur)
	for i := range rows {
		rows[i].scenario = strings.Replace(rows[i].scenario, "browse", "browse, separate processes", 1)
		rows[i].target, rows[i].met = "", ""
	}
	if err := waitReplicated(ctx, mc, catalogue, time.Minute); err != nil {
		return rows, err
	}
	r, _ := purchase(ctx, a, catalogue, cfg.conns, 0, cfg.dur)
	r.scenario = "purchase, separate processes"
	r.target, r.met, r.note = "", "", ""
	// Pages render through the client too.
	for _, path := range []string{"/", "/tickets/" + catalogue[0]} {
		if err := a.do(ctx, "GET", path, nil, nil, http.StatusOK, nil); err != nil {
			return rows, err
		}
	}
	return append(rows, r), nil
}

// build builds every service's binary into dir as the Dockerfiles do
// (CGO off, symbols stripped).
func build(ctx context.Context, root, dir string) error {
	args := []string{"build", "-ldflags=-s -w", "-o", dir + "/"}
	for _, s := range services {
		args = append(args, "./"+s.name+"/cmd/"+s.name)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// waitReadyProc polls the process's readiness path every 5 ms and returns
// the time from the process start to the first 200.
func waitReadyProc(ctx context.Context, p *proc, path string, timeout time.Duration) (time.Duration, error) {
	began := time.Now()
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	u := "http://127.0.0.1:" + strconv.Itoa(p.port) + path
	for {
		if res, err := hc.Get(u); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(began), nil
			}
		}
		select {
		case err := <-p.exit:
			return 0, fmt.Errorf("%s exited before it was ready: %v", p.name, err)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Since(began) > timeout {
			return 0, fmt.Errorf("%s not ready after %v", p.name, timeout)
		}
	}
}

// stopProc sends SIGTERM and waits for a clean exit.
func stopProc(p *proc, timeout time.Duration) error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exit:
		if err != nil {
			return fmt.Errorf("%s on SIGTERM: %v", p.name, err)
		}
		return nil
	case <-time.After(timeout):
		p.cmd.Process.Kill()
		return fmt.Errorf("%s still running %v after SIGTERM", p.name, timeout)
	}
}

// rss returns VmRSS and VmHWM of process pid, in bytes.
func rss(pid int) (cur, peak uint64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var kb uint64
		fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb)
		switch k {
		case "VmRSS":
			cur = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	if cur == 0 {
		return 0, 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
	}
	return cur, peak, sc.Err()
}
