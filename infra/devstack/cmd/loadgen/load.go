package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// errStop ends a worker early (e.g. when no tickets are left to buy).
var errStop = errors.New("stop")

// series collects the latencies and errors of one kind of request.
type series struct {
	lat    []time.Duration
	errors int
	sample []string // the first few error messages
}

func (s *series) add(d time.Duration, err error) {
	if err != nil {
		s.errors++
		if len(s.sample) < 3 {
			s.sample = append(s.sample, err.Error())
		}
		return
	}
	s.lat = append(s.lat, d)
}

func (s *series) merge(o *series) {
	s.lat = append(s.lat, o.lat...)
	s.errors += o.errors
	for _, m := range o.sample {
		if len(s.sample) < 3 {
			s.sample = append(s.sample, m)
		}
	}
}

// stats summarises a series: n counts the requests, errors included.
type stats struct {
	n, errors     int
	p50, p95, p99 time.Duration
	max           time.Duration
	sample        []string
}

func (s *series) stats() stats {
	lat := slices.Clone(s.lat)
	slices.Sort(lat)
	st := stats{n: len(lat) + s.errors, errors: s.errors, sample: s.sample}
	if len(lat) > 0 {
		st.p50, st.p95, st.p99 = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99)
		st.max = lat[len(lat)-1]
	}
	return st
}

// quantile returns the q-quantile of sorted (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// loadResult is what a closed-loop run measured.
type loadResult struct {
	kinds   map[string]*series
	all     series
	elapsed time.Duration // from the end of the warm-up to the last answer
	stopped bool          // a worker ran out of work before the end
}

// op sends one request and returns its kind (for the per-kind rows).
type op func(ctx context.Context) (kind string, err error)

// closedLoop runs conns workers, each sending one request after another
// (each worker keeps one keep-alive connection busy): first for warmup,
// unrecorded, then for dur. newOp makes each worker's op, with its own
// random source.
func closedLoop(ctx context.Context, conns int, warmup, dur time.Duration, newOp func(w int, rng *rand.Rand) op) loadResult {
	begin := time.Now()
	from, until := begin.Add(warmup), begin.Add(warmup+dur)
	type worker struct {
		kinds   map[string]*series
		last    time.Time
		stopped bool
	}
	workers := make([]worker, conns)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			me := &workers[w]
			me.kinds = make(map[string]*series)
			do := newOp(w, rand.New(rand.NewPCG(uint64(w), uint64(begin.UnixNano()))))
			for ctx.Err() == nil {
				start := time.Now()
				if !start.Before(until) {
					return
				}
				kind, err := do(ctx)
				end := time.Now()
				if errors.Is(err, errStop) {
					me.stopped = true
					return
				}
				if start.Before(from) {
					continue
				}
				s := me.kinds[kind]
				if s == nil {
					s = &series{}
					me.kinds[kind] = s
				}
				s.add(end.Sub(start), err)
				me.last = end
			}
		})
	}
	wg.Wait()

	res := loadResult{kinds: make(map[string]*series)}
	last := from
	for _, w := range workers {
		for k, s := range w.kinds {
			if res.kinds[k] == nil {
				res.kinds[k] = &series{}
			}
			res.kinds[k].merge(s)
			res.all.merge(s)
		}
		if w.last.After(last) {
			last = w.last
		}
		res.stopped = res.stopped || w.stopped
	}
	res.elapsed = last.Sub(from)
	return res
}
