// Command loadgen is `make bench`: it runs the whole app as `make dev` does,
// loads it scenario by scenario, measures the services' footprint as
// separate processes, prints a table and writes it to docs/benchmarks.md.
//
//	loadgen [-duration 20s] [-conns 64] [-out docs/benchmarks.md] [-only browse,purchase,…]
//
// Scenarios: browse, purchase, contention, propagation, expiration,
// footprint. It exits non-zero on errors or wrong results (a ticket sold
// twice, an order that never expires, a lost event), never because a
// target was missed: slowness is reported, not failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

type config struct {
	// traced: the app traces every request and event (DEV_TRACING on, at
	// 100 % sampling, into make dev's in-memory recorder); the other
	// passes run with tracing off.
	traced bool

	duration, warmup     time.Duration
	conns, purchaseConns int
	catalogue            int
	purchaseTickets      int
	buyers, rounds       int
	propagationSamples   int
	propagationPace      time.Duration
	expirationOrders     int
	expirationPace       time.Duration
	window               int
	settleTimeout        time.Duration
	purchaseDuration     time.Duration
	purchaseWarmup       time.Duration
	drainTimeout         time.Duration
	fp                   footprintConfig
	only                 []string
	out, appLog, cpuProf string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The embedded stripe-mock prints every request on os.Stdout: point it
	// at stderr and keep the real stdout for the report.
	stdout := os.Stdout
	os.Stdout = os.Stderr
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("cmd", "loadgen")
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rep, err := run(ctx, cfg, log)
	if rep != nil {
		rep.text(stdout)
		if cfg.out != "" && len(cfg.only) == 0 {
			if werr := rep.writeMarkdown(cfg.out); werr != nil {
				err = errors.Join(err, werr)
			} else {
				fmt.Fprintf(stdout, "wrote %s\n", cfg.out)
			}
		}
	}
	if err != nil {
		log.Error("bench failed", "err", err)
		os.Exit(1)
	}
	if len(rep.failures) > 0 {
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.DurationVar(&cfg.duration, "duration", 20*time.Second, "measured time of browse")
	fs.DurationVar(&cfg.warmup, "warmup", 5*time.Second, "unrecorded load before browse")
	fs.DurationVar(&cfg.purchaseDuration, "purchase-duration", 10*time.Second, "measured time of purchase")
	fs.DurationVar(&cfg.purchaseWarmup, "purchase-warmup", 2*time.Second, "unrecorded load before purchase")
	fs.DurationVar(&cfg.drainTimeout, "drain-timeout", 90*time.Second, "how long to watch the app work off purchase's orders as they expire")
	fs.IntVar(&cfg.conns, "conns", 64, "connections of browse")
	fs.IntVar(&cfg.purchaseConns, "purchase-conns", 64, "connections of purchase")
	fs.IntVar(&cfg.catalogue, "catalogue", 1000, "tickets in the browse catalogue")
	fs.IntVar(&cfg.purchaseTickets, "purchase-tickets", 3000, "tickets for sale for purchase (it ends early when all are sold)")
	fs.IntVar(&cfg.buyers, "buyers", 100, "buyers per contention round, all on one ticket")
	fs.IntVar(&cfg.rounds, "rounds", 10, "contention rounds")
	fs.IntVar(&cfg.propagationSamples, "propagation-samples", 200, "tickets timed from creation to orderable")
	fs.DurationVar(&cfg.propagationPace, "propagation-pace", 50*time.Millisecond, "time between the tickets of propagation")
	fs.IntVar(&cfg.expirationOrders, "expiration-orders", 100, "orders timed from expiresAt to cancelled")
	fs.DurationVar(&cfg.expirationPace, "expiration-pace", 20*time.Millisecond, "time between the orders of expiration")
	fs.IntVar(&cfg.window, "window", 3, "EXPIRATION_WINDOW_SECONDS of the app")
	fs.DurationVar(&cfg.settleTimeout, "settle-timeout", 2*time.Minute, "how long the tickets of expiration, contention and propagation may take to be released after their orders expired")
	fs.IntVar(&cfg.fp.starts, "starts", 3, "footprint: start-to-ready samples per service")
	fs.DurationVar(&cfg.fp.idle, "idle", 5*time.Second, "footprint: idle time before the idle RSS")
	fs.IntVar(&cfg.fp.catalogue, "footprint-catalogue", 1000, "footprint: tickets of its load")
	fs.DurationVar(&cfg.fp.dur, "footprint-duration", 10*time.Second, "footprint: time of its browse and of its purchase")
	fs.StringVar(&cfg.fp.root, "root", ".", "the repository root (the services are built from there)")
	only := fs.String("only", "", "run only these scenarios (comma-separated); does not write -out")
	fs.StringVar(&cfg.out, "out", "docs/benchmarks.md", "Markdown report; '' for none")
	fs.StringVar(&cfg.appLog, "applog", filepath.Join(os.TempDir(), "gittix-bench.log"), "where the app's warnings and errors go")
	fs.StringVar(&cfg.cpuProf, "cpuprofile", "", "write a CPU profile of the in-process scenarios (app and load generator) to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *only != "" {
		cfg.only = strings.Split(*only, ",")
	}
	cfg.fp.conns, cfg.fp.window, cfg.fp.logFile = cfg.conns, strconv.Itoa(cfg.window), cfg.appLog
	cfg.fp.readyTimeout = 60 * time.Second
	return cfg, nil
}

func (c config) runs(s string) bool { return len(c.only) == 0 || slices.Contains(c.only, s) }

func (c config) settings() string {
	return fmt.Sprintf("-duration %v -warmup %v -conns %d -purchase-duration %v -purchase-conns %d -purchase-tickets %d -catalogue %d "+
		"-buyers %d -rounds %d -propagation-samples %d -propagation-pace %v -expiration-orders %d -window %d",
		c.duration, c.warmup, c.conns, c.purchaseDuration, c.purchaseConns, c.purchaseTickets, c.catalogue,
		c.buyers, c.rounds, c.propagationSamples, c.propagationPace, c.expirationOrders, c.window)
}

// run runs the scenarios. An error means the bench could not run;
// report.failures lists wrong results and errors of the app.
func run(ctx context.Context, cfg config, log *slog.Logger) (*report, error) {
	rep := &report{date: time.Now().UTC(), machine: machineInfo(), settings: cfg.settings()}
	begin, cpu := time.Now(), sampleCPU()
	defer func() { rep.took, rep.cpu = time.Since(begin), cpuUse(cpu, sampleCPU()) }()

	if err := os.WriteFile(cfg.appLog, nil, 0o644); err != nil { // each in-process run appends
		return rep, err
	}
	if cfg.runs("browse") || cfg.runs("purchase") || cfg.runs("contention") || cfg.runs("propagation") || cfg.runs("expiration") {
		if err := inProcess(ctx, cfg, rep, log, stack.BusStan); err != nil {
			return rep, err
		}
	}
	if cfg.runs("jetstream") {
		// propagation and purchase again, on JetStream, beside the rows
		// above (NATS Streaming).
		js := cfg
		js.only = []string{"propagation", "purchase"}
		if err := inProcess(ctx, js, rep, log, stack.BusJetStream); err != nil {
			return rep, fmt.Errorf("on jetstream: %w", err)
		}
	}
	if cfg.runs("tracing") && cfg.runs("browse") && cfg.runs("purchase") {
		// browse and purchase again with every request traced: the cost of
		// tracing, beside the untraced rows of the first pass. Last of the
		// in-process passes, since tracing, once on, stays on in a process.
		tr := cfg
		tr.only, tr.traced = []string{"browse", "purchase"}, true
		if err := inProcess(ctx, tr, rep, log, stack.BusStan); err != nil {
			return rep, fmt.Errorf("traced: %w", err)
		}
		rep.rows = append(rep.rows, tracingCost(rep.rows))
	}
	if cfg.runs("footprint") {
		log.Info("footprint: building the services and running each as a process")
		foot, rows, failures, err := footprint(ctx, cfg.fp, log)
		if err != nil {
			return rep, fmt.Errorf("footprint: %w", err)
		}
		rep.foot = foot
		rep.rows = append(rep.rows, rows...)
		rep.failures = append(rep.failures, failures...)
		rep.footNote = fmt.Sprintf("idle after %v; after load = %v of browse and of purchase over %d tickets with %d connections, and 5 sign-ups and sign-ins; target idle RSS ≤ 25 MB, start-to-ready ≤ 300 ms",
			cfg.fp.idle, cfg.fp.dur, cfg.fp.catalogue, cfg.fp.conns)
	}
	return rep, nil
}

// inProcess runs the scenarios cfg names against the app started in this
// process, as make dev runs it, adding their rows and failures to rep.
func inProcess(ctx context.Context, cfg config, rep *report, log *slog.Logger, broker string) (err error) {
	logf, err := os.OpenFile(cfg.appLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	appLog := slog.New(slog.NewTextHandler(logf, &slog.HandlerOptions{Level: slog.LevelWarn}))

	log.Info("starting the app", "app_log", cfg.appLog, "bus", broker, "traced", cfg.traced)
	a, err := startApp(ctx, map[string]string{
		stack.EnvBus:                broker,
		"JWT_KEY":                   randomKey(),
		"EXPIRATION_WINDOW_SECONDS": strconv.Itoa(cfg.window),
		"TICKETS_PER_HOUR":          "10000000", // one seller lists the whole catalogue
		"DEV_TRACING":               map[bool]string{true: "on", false: "off"}[cfg.traced],
	}, appLog)
	if err != nil {
		return err
	}
	defer func() {
		if serr := a.stop(); serr != nil {
			rep.failures = append(rep.failures, "app: "+serr.Error())
		}
	}()
	if cfg.cpuProf != "" {
		f, err := os.Create(cfg.cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	b := &bench{cfg: cfg, rep: rep, a: a, log: log, window: time.Duration(cfg.window) * time.Second}
	if broker != stack.BusStan {
		b.label = " [" + broker + "]"
	}
	if cfg.traced {
		b.label += " [traced]"
	}
	// The orders of expiration, contention and propagation expire (the
	// short window) and give their tickets back before purchase. Purchase
	// runs last: its orders expire by the thousand, and nothing after it
	// is measured.
	for _, phase := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"browse", b.browse},
		{"expiration", b.expiration},
		{"contention", b.contention},
		{"propagation", b.propagation},
		{"settle", b.settle},
		{"purchase", b.purchase},
	} {
		if err := phase.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", phase.name, err)
		}
	}
	return nil
}

// bench runs the in-process scenarios.
type bench struct {
	cfg    config
	rep    *report
	a      *app
	log    *slog.Logger
	window time.Duration // EXPIRATION_WINDOW_SECONDS
	label  string        // after each scenario's name: the broker, unless NATS Streaming
	// catalogue is browse's tickets (none when browse did not run).
	catalogue []string
}

// add records rows, and a failure for each top-level row with errors.
func (b *bench) add(rows ...row) {
	for _, r := range rows {
		r.scenario += b.label
		b.rep.rows = append(b.rep.rows, r)
		if r.st.errors > 0 && !strings.HasPrefix(r.scenario, "  ") {
			b.rep.failures = append(b.rep.failures, fmt.Sprintf("%s: %d errors, e.g. %s", r.scenario, r.st.errors, strings.Join(r.st.sample, "; ")))
		}
	}
}

// tickets creates n tickets and waits until orders has their replicas.
func (b *bench) tickets(ctx context.Context, n int) ([]string, error) {
	ids, err := b.a.createTickets(ctx, n)
	if err != nil {
		return nil, err
	}
	return ids, waitReplicated(ctx, b.a.mongo, ids, time.Minute)
}

func (b *bench) browse(ctx context.Context) error {
	if !b.cfg.runs("browse") {
		return nil
	}
	b.log.Info("browse: creating the catalogue", "tickets", b.cfg.catalogue)
	catalogue, err := b.a.createTickets(ctx, b.cfg.catalogue)
	if err != nil {
		return fmt.Errorf("create the catalogue: %w", err)
	}
	if n, err := b.a.available(ctx); err != nil || n != b.cfg.catalogue {
		return fmt.Errorf("GET /api/tickets lists %d tickets, want %d (err %v)", n, b.cfg.catalogue, err)
	}
	b.log.Info("browse", "conns", b.cfg.conns, "duration", b.cfg.duration)
	b.add(browse(ctx, b.a.api, catalogue, b.cfg.conns, b.cfg.warmup, b.cfg.duration)...)
	b.catalogue = catalogue
	return nil
}

func (b *bench) expiration(ctx context.Context) error {
	if !b.cfg.runs("expiration") {
		return nil
	}
	tickets, err := b.tickets(ctx, b.cfg.expirationOrders)
	if err != nil {
		return err
	}
	if err := b.a.signUpUsers(ctx, b.cfg.expirationOrders); err != nil {
		return err
	}
	b.log.Info("expiration", "orders", b.cfg.expirationOrders, "window", b.window)
	b.add(expiration(ctx, b.a, tickets, b.cfg.expirationPace, b.window))
	return nil
}

func (b *bench) contention(ctx context.Context) error {
	if !b.cfg.runs("contention") {
		return nil
	}
	tickets, err := b.tickets(ctx, b.cfg.rounds)
	if err != nil {
		return err
	}
	if err := b.a.signUpUsers(ctx, b.cfg.buyers*b.cfg.rounds); err != nil {
		return err
	}
	b.log.Info("contention", "buyers", b.cfg.buyers, "rounds", b.cfg.rounds)
	r, failures := contention(ctx, b.a, tickets, b.cfg.buyers)
	b.add(r)
	b.rep.failures = append(b.rep.failures, failures...)
	return nil
}

func (b *bench) propagation(ctx context.Context) error {
	if b.cfg.runs("propagation") {
		if err := b.a.signUpUsers(ctx, b.cfg.propagationSamples); err != nil {
			return err
		}
		b.log.Info("propagation", "samples", b.cfg.propagationSamples)
		b.add(propagation(ctx, b.a, b.cfg.propagationSamples, b.cfg.propagationPace, 30*time.Second))
	}
	if b.cfg.runs("propagation") && len(b.catalogue) > 0 {
		if err := b.a.signUpUsers(ctx, b.cfg.propagationSamples); err != nil {
			return err
		}
		b.log.Info("propagation while browsing", "samples", b.cfg.propagationSamples, "conns", b.cfg.conns)
		b.add(propagationWhileBrowsing(ctx, b.a, b.catalogue, b.cfg.conns, b.cfg.propagationSamples, b.cfg.propagationPace, 30*time.Second))
	}
	return nil
}

// settle waits for the orders of the earlier scenarios to expire and
// their tickets to be released.
func (b *bench) settle(ctx context.Context) error {
	if !b.cfg.runs("expiration") && !b.cfg.runs("contention") && !b.cfg.runs("propagation") {
		return nil
	}
	b.log.Info("waiting for the orders so far to expire and their tickets to be released")
	s, err := settle(ctx, b.a, "expiration, contention and propagation", b.window+b.cfg.settleTimeout, b.log)
	b.add(s)
	if err != nil {
		b.rep.failures = append(b.rep.failures, err.Error())
	}
	return nil
}

func (b *bench) purchase(ctx context.Context) error {
	if !b.cfg.runs("purchase") {
		return nil
	}
	b.log.Info("purchase: creating the tickets", "tickets", b.cfg.purchaseTickets)
	pool, err := b.tickets(ctx, b.cfg.purchaseTickets)
	if err != nil {
		return fmt.Errorf("create the tickets to buy: %w", err)
	}
	// A buyer per ticket, each known to the app as a signed-up user.
	if err := b.a.signUpUsers(ctx, b.cfg.purchaseTickets); err != nil {
		return err
	}
	b.log.Info("purchase", "conns", b.cfg.purchaseConns, "duration", b.cfg.purchaseDuration)
	before := storeCommands()
	r, sold := purchase(ctx, b.a.api, pool, b.cfg.purchaseConns, b.cfg.purchaseWarmup, b.cfg.purchaseDuration)
	b.add(r)
	if b.cfg.traced {
		return nil // the drain was measured untraced
	}
	b.log.Info("purchase: watching the orders expire and their tickets come back", "orders", sold, "for at most", b.cfg.drainTimeout)
	d, drained := drain(ctx, b.a, b.cfg.drainTimeout, b.log)
	b.add(d)
	if drained > 0 {
		b.add(writeBudget(before, settledCommands(ctx), drained))
	}
	return nil
}
