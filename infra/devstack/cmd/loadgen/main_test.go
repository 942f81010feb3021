package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestQuantile(t *testing.T) {
	t.Parallel()
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(i+1) * time.Millisecond // 1..100 ms
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.50, 50 * time.Millisecond},
		{0.95, 95 * time.Millisecond},
		{0.99, 99 * time.Millisecond},
		{1, 100 * time.Millisecond},
		{0, time.Millisecond},
	}
	for _, tc := range tests {
		if got := quantile(lat, tc.q); got != tc.want {
			t.Errorf("quantile(1..100 ms, %v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got, want := quantile([]time.Duration{7}, 0.99), time.Duration(7); got != want {
		t.Errorf("quantile of one = %v, want %v", got, want)
	}
}

func TestSeriesStats(t *testing.T) {
	t.Parallel()
	var s series
	for i := range 10 {
		s.add(time.Duration(10-i)*time.Millisecond, nil)
	}
	for i := range 5 {
		s.add(0, errors.New("e"+itoa(i)))
	}
	st := s.stats()
	if st.n != 15 || st.errors != 5 || st.p50 != 5*time.Millisecond || st.max != 10*time.Millisecond {
		t.Errorf("stats = %+v, want n 15, errors 5, p50 5ms, max 10ms", st)
	}
	if got, want := strings.Join(st.sample, ","), "e0,e1,e2"; got != want {
		t.Errorf("error sample = %s, want %s (the first three)", got, want)
	}
}

func TestClosedLoop(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	res := closedLoop(context.Background(), 4, 20*time.Millisecond, 50*time.Millisecond, func(w int, _ *rand.Rand) op {
		return func(context.Context) (string, error) {
			n := calls.Add(1)
			time.Sleep(time.Millisecond)
			if n%10 == 0 {
				return "b", errors.New("boom")
			}
			return "a", nil
		}
	})
	all := res.all.stats()
	if all.n == 0 || all.n >= int(calls.Load()) {
		t.Errorf("recorded %d of %d calls, want some but not the warm-up's", all.n, calls.Load())
	}
	if got := res.kinds["a"].stats().n + res.kinds["b"].stats().n; got != all.n {
		t.Errorf("kinds hold %d requests, all %d", got, all.n)
	}
	if res.elapsed < 40*time.Millisecond || res.elapsed > time.Second {
		t.Errorf("elapsed = %v, want about 50ms", res.elapsed)
	}

	stopped := closedLoop(context.Background(), 2, 0, time.Second, func(int, *rand.Rand) op {
		return func(context.Context) (string, error) { return "", errStop }
	})
	if !stopped.stopped || stopped.all.stats().n != 0 {
		t.Errorf("a worker out of work: stopped = %v, n = %d; want true, 0", stopped.stopped, stopped.all.stats().n)
	}
}

// TestWriteMarkdownKeepsNotes checks that a run rewrites the generated part
// of the report and keeps the hand-written notes below the marker.
func TestWriteMarkdownKeepsNotes(t *testing.T) {
	t.Parallel()
	name := filepath.Join(t.TempDir(), "benchmarks.md")
	rep := &report{date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), machine: []string{"cores: 2"},
		rows: []row{{scenario: "browse", conns: "64", elapsed: time.Second, st: stats{n: 100, p99: 3 * time.Millisecond}, note: "a|b"}}}
	if err := rep.writeMarkdown(name); err != nil {
		t.Fatal(err)
	}
	notes := "\nBefore/after figures, written by hand.\n"
	b, _ := os.ReadFile(name)
	if err := os.WriteFile(name, append(b, notes...), 0o644); err != nil {
		t.Fatal(err)
	}
	rep.rows[0].st.n = 200
	if err := rep.writeMarkdown(name); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(name)
	got := string(b)
	for _, want := range []string{"| browse | 64 | 200 | 200 | ", `a\|b`, notesMarker + "\n" + notes} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, notesMarker) != 1 || strings.Contains(got, "| browse | 64 | 100 |") {
		t.Errorf("report keeps the old table or repeats the marker:\n%s", got)
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-only", "browse,footprint", "-conns", "8"})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.runs("browse") || !cfg.runs("footprint") || cfg.runs("purchase") || cfg.conns != 8 || cfg.fp.conns != 8 {
		t.Errorf("config = %+v", cfg)
	}
	all, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"browse", "purchase", "contention", "propagation", "expiration", "footprint"} {
		if !all.runs(s) {
			t.Errorf("by default %s does not run", s)
		}
	}
	if all.catalogue != 1000 || all.conns != 64 || all.fp.window != "3" {
		t.Errorf("defaults = catalogue %d, conns %d, window %q", all.catalogue, all.conns, all.fp.window)
	}
}

func TestTracingCost(t *testing.T) {
	t.Parallel()
	r := func(name string, n int) row { return row{scenario: name, elapsed: time.Second, st: stats{n: n}} }
	got := tracingCost([]row{
		r("browse (1000 tickets)", 1000), r("  GET /api/tickets", 500), r("purchase", 400),
		r("purchase [jetstream]", 900),
		r("browse (1000 tickets) [traced]", 950), r("purchase [traced]", 380),
	})
	if got.met != "yes" || !strings.Contains(got.note, "browse 1000 → 950 req/s (-5.0 %)") || !strings.Contains(got.note, "purchase 400 → 380") {
		t.Errorf("tracingCost = %+v", got)
	}
	if got := tracingCost([]row{r("browse (1000 tickets)", 1000), r("browse (1000 tickets) [traced]", 800), r("purchase", 1), r("purchase [traced]", 1)}); got.met != "NO" {
		t.Errorf("a 20 %% cost met the target: %+v", got)
	}
}
