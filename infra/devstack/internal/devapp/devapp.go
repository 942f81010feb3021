// Package devapp runs the whole of GitTix in one process, as `make dev`
// does: the backing servers, the five services, the web client and a
// gateway that routes like the Kubernetes ingress.
package devapp

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	authapp "github.com/gittix/ticketing/auth/app"
	clientapp "github.com/gittix/ticketing/client/app"
	expirationapp "github.com/gittix/ticketing/expiration/app"
	"github.com/gittix/ticketing/infra/devstack/gateway"
	"github.com/gittix/ticketing/infra/devstack/internal/devtrace"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
	notificationsapp "github.com/gittix/ticketing/notifications/app"
	"github.com/gittix/ticketing/notifications/mailsink"
	ordersapp "github.com/gittix/ticketing/orders/app"
	paymentsapp "github.com/gittix/ticketing/payments/app"
	"github.com/gittix/ticketing/payments/stripefake"
	ticketsapp "github.com/gittix/ticketing/tickets/app"
)

// runFunc is the entry point every service and the client expose.
type runFunc func(ctx context.Context, log *slog.Logger, getenv func(string) string) error

// parts lists what runs behind the gateway, by the names gateway.Routes uses.
var parts = []struct {
	name  string
	run   runFunc
	ready string // the path that answers 200 once the part can serve
}{
	{"auth", authapp.Run, "/readyz"},
	{"tickets", ticketsapp.Run, "/readyz"},
	{"orders", ordersapp.Run, "/readyz"},
	{"expiration", expirationapp.Run, "/readyz"},
	{"payments", paymentsapp.Run, "/readyz"},
	{"notifications", notificationsapp.Run, "/readyz"},
	{"client", clientapp.Run, "/healthz"},
}

// Config configures Run.
type Config struct {
	Addr    string // where the gateway listens; default 127.0.0.1:8080
	DataDir string // the backing servers' data; empty: nothing persists
	// Getenv passes settings through to every part (JWT_KEY, STRIPE_KEY,
	// EXPIRATION_WINDOW_SECONDS, STRIPE_PUBLISHABLE_KEY, …) and is handed to
	// the stack, which uses MONGO_URI, NATS_URL, REDIS_URL or
	// STRIPE_API_BASE instead of starting its own server where one is set.
	// DEV_TRACING=off leaves tracing off; else every request and event is
	// traced in memory and shown under /dev/traces, with the services'
	// metrics under /dev/metrics (package devtrace).
	Getenv func(string) string
	// DBPrefix is put before each service's database name, so that several
	// apps can share one MongoDB server.
	DBPrefix string
}

// Defaults used when Getenv has no value: development-only secrets.
var defaults = map[string]string{
	"JWT_KEY":       "dev-only-jwt-key-not-for-production",
	"STRIPE_KEY":    "sk_test_devstack",
	"COOKIE_SECURE": "false",
	"MAIL_FROM":     "GitTix <no-reply@gittix.dev>",
}

// Run starts everything, calls ready with the gateway's URL once every part
// answers, and runs until ctx is done; then it stops everything. A part that
// fails while the app starts stops the app, and Run returns that failure.
// Once the app is up, a part that exits is restarted after a backoff, as
// Kubernetes restarts a crashed container (a service exits when it has lost
// NATS Streaming for good).
func Run(ctx context.Context, cfg Config, log *slog.Logger, ready func(url string)) error {
	cfg.Addr = cmp.Or(cfg.Addr, "127.0.0.1:8080")
	getenv := cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("gateway listen: %w", err)
	}
	defer ln.Close()
	gatewayURL := "http://" + ln.Addr().String()

	b, err := startBacking(ctx, cfg.DataDir, getenv, gatewayURL, log)
	if err != nil {
		return err
	}
	defer b.close()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	l := &launcher{cfg: cfg, getenv: getenv, log: log, stackEnv: b.env, gatewayURL: gatewayURL, webhookSecret: b.webhookSecret,
		up: make(chan struct{}), fail: cancel}
	defer l.wg.Wait() // after cancel: every part has shut down before the stack stops
	targets, err := l.launch(ctx)
	if err != nil {
		return err
	}
	defer serve(ln, b.devFront(targets, getenv))()
	close(l.up)
	if ready != nil {
		ready(gatewayURL)
	}
	<-ctx.Done()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// backing is what the parts of the app talk to: the backing servers, the
// mail sink (unless SMTP_URL names a real server) and the Stripe fake.
type backing struct {
	st            *stack.Stack
	sink          *mailsink.Sink // nil: SMTP_URL is a real server
	fake          *stripefake.Server
	env           map[string]string // the stack's environment for the parts
	webhookSecret string
}

// startBacking starts the backing servers of the app whose gateway is at
// gatewayURL.
func startBacking(ctx context.Context, dataDir string, getenv func(string) string, gatewayURL string, log *slog.Logger) (_ *backing, err error) {
	b := &backing{}
	defer func() {
		if err != nil {
			b.close()
		}
	}()
	if b.st, err = stack.Start(ctx, stack.Config{DataDir: dataDir, Getenv: getenv}, log.With("part", "stack")); err != nil {
		return nil, fmt.Errorf("start backing servers: %w", err)
	}
	// The emails of notifications go to a mail sink shown under
	// /dev/mail/, unless SMTP_URL names a real server.
	b.env = b.st.Env()
	if b.env["SMTP_URL"] = getenv("SMTP_URL"); b.env["SMTP_URL"] == "" {
		if b.sink, err = mailsink.Start("127.0.0.1:0", log.With("part", "mailsink")); err != nil {
			return nil, fmt.Errorf("mail sink: %w", err)
		}
		b.env["SMTP_URL"] = b.sink.URL()
	}
	// Payments talks to a stateful Stripe fake for PaymentIntents (in
	// front of stripe-mock), which sends its webhook notices through the
	// gateway, as Stripe would through the edge; /dev/stripe/ reaches it.
	if b.fake, err = stripefake.Start(b.env[stack.EnvStripeAPIBase], log.With("part", "stripefake")); err != nil {
		return nil, err
	}
	b.webhookSecret = cmp.Or(getenv("STRIPE_WEBHOOK_SECRET"), "whsec_dev_"+strconv.FormatInt(time.Now().UnixNano(), 36))
	b.fake.SetWebhook(gatewayURL+"/api/payments/webhook", b.webhookSecret)
	b.env[stack.EnvStripeAPIBase] = b.fake.URL
	return b, nil
}

func (b *backing) close() {
	if b.fake != nil {
		b.fake.Close()
	}
	if b.sink != nil {
		b.sink.Close()
	}
	if b.st != nil {
		b.st.Stop()
	}
}

// devFront is the app's front door: the gateway to the parts (targets),
// and under /dev/ the traces and metrics (unless DEV_TRACING=off), the
// Stripe fake and the mail sink.
func (b *backing) devFront(targets map[string]*url.URL, getenv func(string) string) *http.ServeMux {
	front := http.NewServeMux()
	front.Handle("/", Gateway(targets))
	if getenv("DEV_TRACING") != "off" {
		names := make([]string, 0, len(parts))
		for _, p := range parts {
			names = append(names, p.name)
		}
		front.Handle("/dev/", devtrace.Handler(devtrace.Install(), names))
	}
	front.Handle("/dev/stripe/", http.StripPrefix("/dev/stripe", httputil.NewSingleHostReverseProxy(mustURL(b.fake.URL))))
	if b.sink != nil {
		front.Handle("/dev/mail/", http.StripPrefix("/dev/mail", b.sink.Handler()))
		front.Handle("GET /dev/mail", http.RedirectHandler("/dev/mail/", http.StatusFound))
	}
	return front
}

// launcher starts the parts of one app, each on a free port and under
// supervision.
type launcher struct {
	cfg        Config
	getenv     func(string) string
	log        *slog.Logger
	stackEnv   map[string]string
	gatewayURL string
	// webhookSecret signs the Stripe fake's notices to payments.
	webhookSecret string
	up            chan struct{}           // closed once every part has answered
	fail          context.CancelCauseFunc // stops the app when a part fails at start-up
	wg            sync.WaitGroup          // the supervisors
}

// launch starts every part and returns, once each answers on its ready
// path, where each listens.
func (l *launcher) launch(ctx context.Context) (map[string]*url.URL, error) {
	targets := make(map[string]*url.URL, len(parts))
	for _, p := range parts {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		targets[p.name] = &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	}
	for _, p := range parts {
		port, _ := strconv.Atoi(targets[p.name].Port())
		env, err := stack.ServiceEnv(l.stackEnv, p.name+"-dev", port, l.cfg.DBPrefix+p.name)
		if err != nil {
			return nil, err
		}
		switch p.name {
		case "notifications":
			env["SMTP_URL"] = l.stackEnv["SMTP_URL"]
		case "payments":
			env["STRIPE_WEBHOOK_SECRET"] = l.webhookSecret
		case "client":
			// With a publishable key, the Payment Element is the fake's.
			env["STRIPE_JS_URL"] = cmp.Or(l.getenv("STRIPE_JS_URL"), "/dev/stripe/v3/stripe.js")
		}
		env["API_BASE_URL"] = l.gatewayURL
		if p.name == "client" {
			// The client calls each API service directly (AUTH_API_URL, …),
			// as it calls the in-cluster Services in Kubernetes.
			for _, r := range gateway.Routes {
				if r.Service != "client" {
					env[strings.ToUpper(r.Service)+"_API_URL"] = targets[r.Service].String()
				}
			}
		}
		penv := func(k string) string {
			if v, ok := env[k]; ok {
				return v
			}
			return cmp.Or(l.getenv(k), defaults[k])
		}
		plog := l.log.With("part", p.name)
		run := func(ctx context.Context) error { return p.run(ctx, plog, penv) }
		l.wg.Go(func() {
			supervise(ctx, run, l.up, func(err error) { l.fail(fmt.Errorf("%s: %w", p.name, err)) }, plog, defaultBackoff)
		})
	}
	for _, p := range parts {
		if err := waitReady(ctx, targets[p.name].String()+p.ready); err != nil {
			return nil, cmp.Or(context.Cause(ctx), fmt.Errorf("%s not ready: %w", p.name, err))
		}
	}
	return targets, nil
}

// serve serves h on ln until the returned stop is called, which shuts the
// server down within 5 s.
func serve(ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		srv.Shutdown(sctx)
	}
}

// backoff is how long a part that exited waits before it is started again:
// first, doubled after every run that failed within healthy of its start,
// up to max, and back to first after a run that lasted longer.
type backoff struct {
	first, max, healthy time.Duration
}

var defaultBackoff = backoff{first: time.Second, max: 30 * time.Second, healthy: time.Minute}

// supervise runs a part until ctx is done. Until up is closed (the app is
// starting), a part that exits calls fail with the reason: a failure at
// start-up is most likely a mistake to show at once. After that, the part
// is restarted after a backoff, and each exit is logged.
func supervise(ctx context.Context, run func(context.Context) error, up <-chan struct{}, fail func(error), log *slog.Logger, b backoff) {
	var delay time.Duration
	for restarts := 0; ; restarts++ {
		began := time.Now()
		err := run(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("stopped")
		}
		select {
		case <-up:
		default:
			fail(err)
			return
		}
		delay = b.after(delay, time.Since(began))
		log.Error("part exited; restarting", "err", err, "after", delay, "restarts", restarts+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
	}
}

// after returns the delay before the next start, given the previous delay
// (0: none yet) and how long the run that just ended lasted.
func (b backoff) after(prev, ran time.Duration) time.Duration {
	if prev == 0 || ran >= b.healthy {
		return b.first
	}
	return min(2*prev, b.max)
}

// Gateway routes each request to its part by gateway.Routes, as the
// ingress does.
func Gateway(targets map[string]*url.URL) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(targets[gateway.Match(r.In.URL.Path)])
			r.Out.Host = r.In.Host
			r.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintln(w, `{"errors":[{"message":"Service unavailable, try again"}]}`)
		},
	}
}

// FreePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitReady(ctx context.Context, url string) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(60 * time.Second)
	for {
		if res, err := client.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return errors.New("no answer within 60s")
		case <-tick.C:
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err) // the URLs given here are made by this package
	}
	return u
}
