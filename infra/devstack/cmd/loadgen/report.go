package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

// row is one line of the results table.
type row struct {
	scenario string
	conns    string        // connections, or e.g. "100 × 20" buyers × rounds
	elapsed  time.Duration // measured time; 0: not a rate
	st       stats
	target   string // the target, for the reader
	met      string // "yes", "NO", or "" where no target applies
	note     string
}

func (r row) rate() string {
	if r.elapsed <= 0 || r.st.n == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", float64(r.st.n)/r.elapsed.Seconds())
}

// footRow is one service's footprint.
type footRow struct {
	service         string
	ready           time.Duration // median start-to-ready
	readyMax        time.Duration
	idle, loaded    uint64 // VmRSS, bytes
	peak            uint64 // VmHWM at the end, bytes
	readyMet, rssOK string
}

// report is everything the run measured.
type report struct {
	date     time.Time
	machine  []string
	cpu      string // how busy the machine was, and with what
	settings string
	rows     []row
	foot     []footRow
	footNote string
	failures []string
	took     time.Duration
}

// machineInfo describes where the bench ran.
func machineInfo() []string {
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb uint64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	kernel := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
	}
	return []string{
		fmt.Sprintf("cores: %d (GOMAXPROCS %d)", runtime.NumCPU(), runtime.GOMAXPROCS(0)),
		"CPU: " + cpu,
		"memory: " + mem,
		fmt.Sprintf("Go: %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH),
		"kernel: " + kernel,
		"commit: " + commit,
	}
}

// cpuSample is the CPU time the machine and this process (with its
// waited-for children) had spent at one instant.
type cpuSample struct {
	at          time.Time
	busy, total float64 // machine, seconds summed over the cores
	self        float64 // seconds
	load        string  // 1-minute load average
}

func sampleCPU() cpuSample {
	s := cpuSample{at: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, f := range strings.Fields(line)[1:] {
			var v float64
			fmt.Sscan(f, &v)
			v /= 100 // USER_HZ
			s.total += v
			if i != 3 && i != 4 { // idle, iowait
				s.busy += v
			}
		}
	}
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			s.self += time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		s.load, _, _ = strings.Cut(string(b), " ")
	}
	return s
}

// cpuUse describes the CPU used between two samples, in cores.
func cpuUse(a, b cpuSample) string {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 || b.total <= a.total {
		return ""
	}
	cores := float64(runtime.NumCPU())
	busy := (b.busy - a.busy) / (b.total - a.total) * cores
	self := (b.self - a.self) / wall
	return fmt.Sprintf("the machine was busy %.2f of its %.0f cores on average, this bench (load generator, app, services) %.2f, "+
		"other processes %.2f; load average %s at the start, %s at the end", busy, cores, self, max(busy-self, 0), a.load, b.load)
}

func ms(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/1e6)
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/1e6)
	case d < 10*time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/1e6)
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

// mb formats bytes in MB (10⁶ bytes), the unit of the targets.
func mb(b uint64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/1e6)
}

var rowHeader = []string{"scenario", "conns", "requests", "req/s", "p50", "p95", "p99", "errors", "target", "met", "notes"}

func (r row) cells() []string {
	return []string{r.scenario, r.conns, fmt.Sprint(r.st.n), r.rate(), ms(r.st.p50), ms(r.st.p95), ms(r.st.p99),
		fmt.Sprint(r.st.errors), r.target, r.met, r.note}
}

var footHeader = []string{"service", "start-to-ready (median, max)", "idle RSS", "RSS after load", "peak RSS", "targets met"}

func (f footRow) cells() []string {
	met := "ready " + f.readyMet + ", RSS " + f.rssOK
	return []string{f.service, ms(f.ready) + ", " + ms(f.readyMax), mb(f.idle), mb(f.loaded), mb(f.peak), met}
}

// text writes the report as aligned plain text.
func (rep *report) text(w io.Writer) {
	fmt.Fprintf(w, "\nGitTix benchmark, %s\n", rep.date.Format("2006-01-02 15:04 MST"))
	for _, m := range rep.machine {
		fmt.Fprintln(w, "  "+m)
	}
	fmt.Fprintln(w, "  settings: "+rep.settings)
	if rep.cpu != "" {
		fmt.Fprintln(w, "  CPU during the run: "+rep.cpu)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(rowHeader, "\t"))
	for _, r := range rep.rows {
		fmt.Fprintln(tw, strings.Join(r.cells(), "\t"))
	}
	tw.Flush()
	if len(rep.foot) > 0 {
		fmt.Fprintln(w, "\nFootprint (each service a separate process; "+rep.footNote+")")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(footHeader, "\t"))
		for _, f := range rep.foot {
			fmt.Fprintln(tw, strings.Join(f.cells(), "\t"))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\ntook %v\n", rep.took.Round(time.Second))
	if len(rep.failures) > 0 {
		fmt.Fprintln(w, "\nFAILED:")
		for _, f := range rep.failures {
			fmt.Fprintln(w, "  - "+f)
		}
	}
}

// markdown writes the report as the generated part of docs/benchmarks.md.
func (rep *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "# Benchmarks\n\n")
	fmt.Fprintf(w, "Generated by `make bench` (`infra/devstack/cmd/loadgen`) on %s. "+
		"Everything above the notes marker is rewritten by each run.\n\n", rep.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "## Machine\n\n")
	for _, m := range rep.machine {
		fmt.Fprintf(w, "- %s\n", m)
	}
	fmt.Fprintf(w, "- settings: `%s`\n", rep.settings)
	if rep.cpu != "" {
		fmt.Fprintf(w, "- CPU during the run: %s\n", rep.cpu)
	}
	fmt.Fprintf(w, "- run took %v\n\n", rep.took.Round(time.Second))
	fmt.Fprintf(w, "## Results\n\n")
	rows := make([][]string, len(rep.rows))
	for i, r := range rep.rows {
		rows[i] = r.cells()
	}
	mdTable(w, rowHeader, rows)
	if len(rep.foot) > 0 {
		fmt.Fprintf(w, "\n### Footprint\n\nEach service a separate process (`go build`, HOST=127.0.0.1); %s.\n\n", rep.footNote)
		rows := make([][]string, len(rep.foot))
		for i, f := range rep.foot {
			rows[i] = f.cells()
		}
		mdTable(w, footHeader, rows)
	}
	if len(rep.failures) > 0 {
		fmt.Fprintf(w, "\n**This run failed:**\n\n")
		for _, f := range rep.failures {
			fmt.Fprintf(w, "- %s\n", f)
		}
	}
	fmt.Fprint(w, method)
}

func mdTable(w io.Writer, header []string, rows [][]string) {
	esc := func(cells []string) string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		return "| " + strings.Join(out, " | ") + " |"
	}
	fmt.Fprintln(w, esc(header))
	fmt.Fprintln(w, "|"+strings.Repeat("---|", len(header)))
	for _, r := range rows {
		fmt.Fprintln(w, esc(r))
	}
}

// notesMarker separates the generated part of docs/benchmarks.md from the
// hand-written notes below it, which a run keeps.
const notesMarker = "<!-- notes: everything below this line is kept by make bench -->"

// writeMarkdown writes the report to name, keeping the notes below the
// marker of the file already there.
func (rep *report) writeMarkdown(name string) error {
	notes := notesMarker + "\n"
	if old, err := os.ReadFile(name); err == nil {
		if i := strings.Index(string(old), notesMarker); i >= 0 {
			notes = string(old[i:])
		}
	}
	var b strings.Builder
	rep.markdown(&b)
	b.WriteString("\n" + notes)
	return os.WriteFile(name, []byte(b.String()), 0o644)
}

const method = `
## How it is measured

- **The app** runs as ` + "`make dev`" + ` runs it (` + "`devapp`" + `: the backing servers — FerretDB (SQLite) behind
  mongofront, NATS Streaming, Redis, stripe-mock — the five services and the client in one process,
  behind the gateway), from a fresh temporary data folder, every server on 127.0.0.1, with a short
  EXPIRATION_WINDOW_SECONDS. The load generator runs in the same process and shares the cores.
- **Users** are distinct: the generator signs their session cookies with the app's JWT key
  (` + "`auth.Sign`" + ` + ` + "`auth.EncodeCookie`" + `) instead of paying argon2 for each sign-up.
- The scenarios run in the order of the table. **browse**: closed loop (each connection sends its next
  request when the last is answered), half ` + "`GET /api/tickets`" + ` (the whole 1,000-ticket catalogue) and half
  ` + "`GET /api/tickets/{id}`" + ` of a random ticket, after a warm-up.
- **expiration lag**: orders placed at a steady pace; from each order's ` + "`expiresAt`" + ` to its
  ` + "`order:cancelled`" + `, which orders publishes once the order reads cancelled (the bench listens on NATS
  Streaming with a subscription of its own); then ` + "`GET /api/orders/{id}`" + ` must read ` + "`cancelled`" + `. (Polling
  every order every 20 ms instead fed back: as lags grew, the pollers loaded the app more than the
  expiries did, and 10 ms lags became seconds.)
- **contention**: in each round, all buyers (distinct users) order one fresh ticket at the same instant;
  exactly one must get 201 and the rest 400, and the orders database must hold exactly one order for
  the ticket.
- **propagation**: one ticket at a time, from the seller's 201 on ` + "`POST /api/tickets`" + ` until the orders
  service's replica holds the ticket (read by ` + "`_id`" + ` every millisecond: what ` + "`POST /api/orders`" + ` looks up), after
  which a buyer's ` + "`POST /api/orders`" + ` must answer 201. (Retrying ` + "`POST /api/orders`" + ` back to back instead
  measured 3–6 times longer: the poller competed with the pipeline it timed for the two cores.)
  **propagation while browsing** times the same again while the browse connections load the catalogue
  (closed loop, from a second before the first ticket until the last): the target is the same p99.
- **settle**: every ticket ordered so far must be released again (its order expired, and tickets heard
  order:cancelled) and ` + "`GET /api/tickets`" + ` must list every ticket; otherwise an event was lost and the run
  fails.
- **purchase** runs last: a distinct new user orders a distinct unreserved ticket per request. Its
  thousands of orders then expire together; **drain** is the time the app takes to work them off
  (reported, never failed: settle above has checked that every event arrives).
  **store commands per order** divides the MongoDB commands each service sent from the start of
  purchase until the drain settled (` + "`mongodb_commands_total`" + `, counted by the driver's command monitor)
  by the orders: the write budget of one order's life, placed → expired.
- **[traced]** rows: browse and purchase again, on a fresh app that traces every request and event
  (make dev's in-memory recorder, 100 % sampling; the rows without the mark ran with tracing off);
  **tracing cost** is the throughput lost, target ≤ 10 %.
- **footprint**: the services built with ` + "`go build`" + ` (as the Dockerfiles do: CGO off, ` + "`-ldflags=-s -w`" + `) and
  run as separate processes on fresh backing servers; start-to-ready is from the process start to the
  first 200 of its readiness probe (median and maximum of several starts; the target applies to the
  median); RSS is VmRSS from /proc/<pid>/status when idle and after a short browse + purchase +
  sign-up load through a gateway; peak is VmHWM.
- The machine may be shared: the CPU line above says how busy it was, and how much of that was the
  bench. Latencies grow with the other load.
- Errors are transport errors and any unexpected status. Errors or wrong results make the run exit
  non-zero; missed targets are reported but never fail it.
`
