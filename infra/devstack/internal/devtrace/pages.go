package devtrace

import (
	"embed"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/gittix/ticketing/common/telemetry"
)

//go:embed pages.html
var pagesFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"ms": func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() },
}).ParseFS(pagesFS, "pages.html"))

// Handler serves the dev pages under /dev/: the traces rec keeps and the
// metrics of services (each service's registry, telemetry.For).
func Handler(rec *Recorder, services []string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dev/traces", func(w http.ResponseWriter, _ *http.Request) {
		type row struct {
			ID, Root string
			Services []string
			Spans    int
			Start    string
			Took     time.Duration
			Errors   int
		}
		var rows []row
		for _, t := range rec.Traces() {
			start, end := t.Bounds()
			errs := 0
			for _, s := range t.Spans {
				if s.Error != "" {
					errs++
				}
			}
			rows = append(rows, row{ID: t.ID, Root: t.Root().Name, Services: t.Services(), Spans: len(t.Spans),
				Start: start.Format("15:04:05.000"), Took: end.Sub(start), Errors: errs})
		}
		render(w, "list", map[string]any{"Traces": rows, "Services": services})
	})
	mux.HandleFunc("GET /dev/traces/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := trace.TraceIDFromHex(r.PathValue("id"))
		t, ok := rec.Trace(id)
		if err != nil || !ok {
			http.Error(w, "no such trace (only the last few hundred are kept)", http.StatusNotFound)
			return
		}
		render(w, "waterfall", waterfall(t))
	})
	mux.HandleFunc("GET /dev/metrics", func(w http.ResponseWriter, _ *http.Request) {
		render(w, "metrics", map[string]any{"Services": services})
	})
	mux.HandleFunc("GET /dev/metrics/{service}", func(w http.ResponseWriter, r *http.Request) {
		svc := r.PathValue("service")
		if !slices.Contains(services, svc) {
			http.NotFound(w, r)
			return
		}
		promhttp.HandlerFor(telemetry.For(svc).Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	})
	return mux
}

// bar is one span of a waterfall.
type bar struct {
	Span
	Depth       int
	Left, Width float64 // percent of the trace's duration
	Took        time.Duration
	Attrs       string
}

func waterfall(t Trace) map[string]any {
	start, end := t.Bounds()
	total := max(end.Sub(start), time.Microsecond)
	depth := map[string]int{}
	var bars []bar
	for _, s := range ordered(t.Spans) {
		d := 0
		if p, ok := depth[s.ParentID]; ok {
			d = p + 1
		}
		depth[s.SpanID] = d
		var attrs []string
		for k, v := range s.Attrs {
			attrs = append(attrs, k+"="+v)
		}
		slices.Sort(attrs)
		bars = append(bars, bar{Span: s, Depth: d * 14,
			Left:  100 * float64(s.Start.Sub(start)) / float64(total),
			Width: max(0.3, 100*float64(s.End.Sub(s.Start))/float64(total)),
			Took:  s.End.Sub(s.Start), Attrs: strings.Join(attrs, "  ")})
	}
	return map[string]any{"ID": t.ID, "Took": total, "Bars": bars, "Services": t.Services()}
}

// ordered returns spans depth first: each span followed by its children, in
// start order; spans whose parent is not in the trace (a remote parent, or
// one not kept) start a tree of their own.
func ordered(spans []Span) []Span {
	ids := map[string]bool{}
	children := map[string][]Span{}
	for _, s := range spans {
		ids[s.SpanID] = true
	}
	var roots []Span
	for _, s := range spans {
		if s.ParentID == "" || !ids[s.ParentID] {
			roots = append(roots, s)
			continue
		}
		children[s.ParentID] = append(children[s.ParentID], s)
	}
	out := make([]Span, 0, len(spans))
	var walk func(s Span)
	walk = func(s Span) {
		out = append(out, s)
		for _, c := range children[s.SpanID] {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return out
}

func render(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
