package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/telemetry"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// met returns "yes" when ok, else "NO".
func met(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// browse loads GET /api/tickets and GET /api/tickets/{id} over the
// catalogue.
func browse(ctx context.Context, a *api, catalogue []string, conns int, warmup, dur time.Duration) []row {
	res := closedLoop(ctx, conns, warmup, dur, func(_ int, rng *rand.Rand) op { return browseOp(a, catalogue, rng) })
	all := res.all.stats()
	c := fmt.Sprint(conns)
	return []row{
		{scenario: fmt.Sprintf("browse (%d tickets)", len(catalogue)), conns: c, elapsed: res.elapsed, st: all,
			target: "≥ 100 req/s, p99 ≤ 1 s, 0 errors",
			met:    met(float64(all.n)/res.elapsed.Seconds() >= 100 && all.p99 <= time.Second && all.errors == 0)},
		{scenario: "  GET /api/tickets", conns: c, elapsed: res.elapsed, st: res.kinds["list"].stats()},
		{scenario: "  GET /api/tickets/{id}", conns: c, elapsed: res.elapsed, st: res.kinds["show"].stats()},
	}
}

// browseOp is one browsing request: half GET /api/tickets (the whole
// catalogue), half GET /api/tickets/{id} of a random ticket.
func browseOp(a *api, catalogue []string, rng *rand.Rand) op {
	return func(ctx context.Context) (string, error) {
		if rng.IntN(2) == 0 {
			return "list", a.do(ctx, "GET", "/api/tickets", nil, nil, http.StatusOK, nil)
		}
		return "show", a.do(ctx, "GET", "/api/tickets/"+catalogue[rng.IntN(len(catalogue))], nil, nil, http.StatusOK, nil)
	}
}

// purchase has distinct new users order distinct tickets of pool.
func purchase(ctx context.Context, a *api, pool []string, conns int, warmup, dur time.Duration) (row, int) {
	var next atomic.Int64
	res := closedLoop(ctx, conns, warmup, dur, func(int, *rand.Rand) op {
		return func(ctx context.Context) (string, error) {
			i := int(next.Add(1)) - 1
			if i >= len(pool) {
				return "", errStop
			}
			err := a.do(ctx, "POST", "/api/orders", a.newUser(), orderBody(pool[i]), http.StatusCreated, nil)
			if err == nil {
				a.noteOrdered(pool[i])
			}
			return "order", err
		}
	})
	st := res.all.stats()
	r := row{scenario: "purchase", conns: fmt.Sprint(conns), elapsed: res.elapsed, st: st,
		target: "0 errors", met: met(st.errors == 0)}
	if res.stopped {
		r.note = fmt.Sprintf("all %d tickets sold before the end (-purchase-tickets)", len(pool))
	}
	return r, min(int(next.Load()), len(pool))
}

// contention has buyers distinct users order each ticket of tickets at the
// same instant, one ticket (round) after another. Exactly one must win.
func contention(ctx context.Context, a *app, tickets []string, buyers int) (row, []string) {
	var all series
	var failures []string
	begin := time.Now()
	for _, id := range tickets {
		cookies := make([]*http.Cookie, buyers)
		for i := range cookies {
			cookies[i] = a.newUser()
		}
		type result struct {
			d   time.Duration
			ans answer
			err error
		}
		results := make([]result, buyers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range buyers {
			wg.Go(func() {
				<-start
				t := time.Now()
				ans, _, err := a.order(ctx, cookies[i], id)
				results[i] = result{time.Since(t), ans, err}
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, r := range results {
			switch {
			case r.err != nil:
				all.add(0, r.err)
			case r.ans.code == http.StatusCreated:
				won++
				a.noteOrdered(id)
				all.add(r.d, nil)
			case r.ans.code == http.StatusBadRequest && strings.Contains(r.ans.body, "Ticket is already reserved"):
				all.add(r.d, nil)
			default:
				all.add(0, &statusError{"POST", "/api/orders", r.ans.code, 400, r.ans.body})
			}
		}
		if won != 1 {
			failures = append(failures, fmt.Sprintf("contention: %d of %d buyers got ticket %s, want exactly 1", won, buyers, id))
		}
	}
	elapsed := time.Since(begin)
	held, err := a.ordersOf(ctx, tickets)
	if err != nil {
		failures = append(failures, "contention: "+err.Error())
	}
	for _, id := range tickets {
		if err == nil && held[id] != 1 {
			failures = append(failures, fmt.Sprintf("contention: the orders database holds %d orders for ticket %s, want 1", held[id], id))
		}
	}
	st := all.stats()
	return row{scenario: "contention", conns: fmt.Sprintf("%d × %d rounds", buyers, len(tickets)), elapsed: elapsed, st: st,
		target: "exactly 1 order per ticket", met: met(len(failures) == 0 && st.errors == 0),
		note: fmt.Sprintf("%d rounds, each one ticket and %d buyers at once; latency of every buyer's answer", len(tickets), buyers)}, failures
}

// propagation measures, one ticket at a time, the time from the seller's
// 201 to the ticket being orderable: it reads the orders service's replica
// by _id every millisecond (what POST /api/orders looks up first) and, once
// the ticket is there, a buyer's POST /api/orders must answer 201.
// (Polling POST /api/orders back to back instead would make the load
// generator compete with the pipeline it times for the 2 cores.) A new
// ticket starts every pace, so that the events of one sample's order are
// handled before the next sample: the scenario times a lone ticket, not a
// busy app.
func propagation(ctx context.Context, a *app, samples int, pace, timeout time.Duration) row {
	var s series
	reads := 0
	replica := a.mongo.Database("orders").Collection("tickets")
	tick := time.NewTicker(pace)
	defer tick.Stop()
	for range samples {
		<-tick.C
		id, err := a.createTicket(ctx)
		if err != nil {
			s.add(0, err)
			continue
		}
		created := time.Now()
		oid, _ := bson.ObjectIDFromHex(id)
		for {
			err = replica.FindOne(ctx, bson.D{{Key: "_id", Value: oid}}).Err()
			reads++
			if !errors.Is(err, mongo.ErrNoDocuments) {
				break
			}
			if time.Since(created) > timeout {
				err = fmt.Errorf("ticket %s not in the orders replica %v after its 201", id, timeout)
				break
			}
			time.Sleep(time.Millisecond)
		}
		took := time.Since(created)
		if err == nil {
			if err = a.do(ctx, "POST", "/api/orders", a.newUser(), orderBody(id), http.StatusCreated, nil); err == nil {
				a.noteOrdered(id)
			}
		}
		s.add(took, err)
	}
	st := s.stats()
	return row{scenario: "propagation", conns: "1", st: st, target: "p99 ≤ 20 ms", met: met(st.p99 <= 20*time.Millisecond && st.errors == 0),
		note: fmt.Sprintf("%d tickets, one every %v; %.1f replica reads per ticket", samples, pace, float64(reads)/float64(max(samples, 1)))}
}

// propagationWhileBrowsing is propagation while conns connections browse
// the catalogue as browse does (closed loop, after a second of warm-up):
// how long a new ticket takes to become orderable when the app is busy
// answering reads. A failed browse request is an error of the row too.
func propagationWhileBrowsing(ctx context.Context, a *app, catalogue []string, conns, samples int, pace, timeout time.Duration) row {
	var stop atomic.Bool
	loaded := make(chan loadResult, 1)
	go func() {
		loaded <- closedLoop(ctx, conns, 0, time.Hour, func(_ int, rng *rand.Rand) op {
			browse := browseOp(a.api, catalogue, rng)
			return func(ctx context.Context) (string, error) {
				if stop.Load() {
					return "", errStop
				}
				return browse(ctx)
			}
		})
	}()
	if err := sleep(ctx, time.Second); err != nil {
		stop.Store(true)
		<-loaded
		return row{scenario: "propagation while browsing", st: stats{errors: 1, sample: []string{err.Error()}}}
	}
	r := propagation(ctx, a, samples, pace, timeout)
	stop.Store(true)
	res := <-loaded
	load := res.all.stats()
	r.scenario = "propagation while browsing"
	r.st.errors += load.errors
	r.st.sample = append(r.st.sample, load.sample...)
	r.met = met(r.st.p99 <= 20*time.Millisecond && r.st.errors == 0)
	r.note += fmt.Sprintf("; meanwhile %d connections browsed the %d-ticket catalogue at %.0f req/s (p99 %v)",
		conns, len(catalogue), float64(load.n)/res.elapsed.Seconds(), load.p99.Round(time.Millisecond))
	return r
}

// expiration places orders at a steady pace and measures, for each, the
// time from its expiresAt to its order:cancelled, which the orders service
// publishes once the order reads cancelled; then GET /api/orders/{id} must
// read cancelled. (Polling every order instead made the pollers, as lags
// grew, load the app more than the expiries did: a feedback loop that
// turned 10 ms lags into seconds.)
func expiration(ctx context.Context, a *app, tickets []string, pace time.Duration, window time.Duration) row {
	cancelled, stop, err := a.watchCancelled(ctx)
	if err != nil {
		return row{scenario: "expiration lag", st: stats{n: 1, errors: 1, sample: []string{err.Error()}}}
	}
	defer stop()
	var mu sync.Mutex
	var s series
	var wg sync.WaitGroup
	tick := time.NewTicker(pace)
	defer tick.Stop()
	for _, id := range tickets {
		<-tick.C
		buyer := a.newUser()
		var o orderJSON
		if err := a.do(ctx, "POST", "/api/orders", buyer, orderBody(id), http.StatusCreated, &o); err != nil {
			s.add(0, err)
			continue
		}
		a.noteOrdered(id)
		wg.Go(func() {
			lag, err := expiry(ctx, a, cancelled, buyer, o, window+30*time.Second)
			mu.Lock()
			s.add(lag, err)
			mu.Unlock()
		})
	}
	wg.Wait()
	st := s.stats()
	return row{scenario: "expiration lag", conns: "1", st: st, target: "p99 ≤ 1 s", met: met(st.p99 <= time.Second && st.errors == 0),
		note: fmt.Sprintf("%d orders, one every %v, window %v; expiresAt → order:cancelled", len(tickets), pace, window)}
}

// expiry waits for order o's order:cancelled and checks that the order
// then reads cancelled.
func expiry(ctx context.Context, a *app, cancelled *eventTimes, buyer *http.Cookie, o orderJSON, timeout time.Duration) (time.Duration, error) {
	at, err := cancelled.await(ctx, o.ID, time.Until(o.ExpiresAt)+timeout)
	if err != nil {
		return 0, fmt.Errorf("order %s: %w", o.ID, err)
	}
	var got orderJSON
	if err := a.do(ctx, "GET", "/api/orders/"+o.ID, buyer, nil, http.StatusOK, &got); err != nil {
		return 0, err
	}
	if got.Status != "cancelled" {
		return 0, fmt.Errorf("order %s reads %q after its order:cancelled, want cancelled", o.ID, got.Status)
	}
	return at.Sub(o.ExpiresAt), nil
}

// settle waits until every ticket ordered so far is released again (its
// order expired), then checks that GET /api/tickets lists every ticket,
// and reports how long it took as a row. Not settling within timeout is a
// failure: an event was lost, or the app fell that far behind.
func settle(ctx context.Context, a *app, after string, timeout time.Duration, log *slog.Logger) (row, error) {
	begin := time.Now()
	ids := a.takeOrdered()
	_, err := a.waitReleased(ctx, ids, timeout, log)
	took := time.Since(begin)
	if err == nil {
		var n int
		if n, err = a.available(ctx); err == nil && n != int(a.created.Load()) {
			err = fmt.Errorf("GET /api/tickets lists %d tickets, want all %d", n, a.created.Load())
		}
	}
	r := row{scenario: "  settle after " + after,
		note: fmt.Sprintf("the %d tickets ordered were released and listed again %v after the scenario", len(ids), took.Round(100*time.Millisecond))}
	if err != nil {
		r.st.errors = 1
		return r, errors.New("settle after " + after + ": " + err.Error())
	}
	return r, nil
}

// drain reports how the app works off the events of a burst of orders
// that all expire: the time until every ticket ordered is released, or how
// many were within timeout. Slowness is not a failure here: the scenarios
// before it check that every event arrives.
// drain waits for the orders of purchase to expire and their tickets to be
// released; it returns the row and how many orders drained (0 when not all
// did in time).
func drain(ctx context.Context, a *app, timeout time.Duration, log *slog.Logger) (row, int) {
	begin := time.Now()
	ids := a.takeOrdered()
	n, err := a.waitReleased(ctx, ids, timeout, log)
	took := time.Since(begin)
	r := row{scenario: "  drain after purchase"}
	if err != nil {
		r.note = fmt.Sprintf("%d of the %d tickets ordered released %v after the scenario (-drain-timeout); the app was still applying the burst's events",
			n, len(ids), took.Round(time.Second))
		return r, 0
	}
	r.note = fmt.Sprintf("all %d tickets ordered released %v after the scenario (expiry, order:cancelled, ticket:updated): %.0f orders/s",
		len(ids), took.Round(100*time.Millisecond), float64(len(ids))/took.Seconds())
	return r, len(ids)
}

// tracingCost compares the throughput of browse and purchase traced and not
// (rows of the same run): the cost of tracing every request and event.
func tracingCost(rows []row) row {
	// The top-level row of scenario s ("browse (1000 tickets)"), traced or
	// not, of the NATS Streaming passes.
	rate := func(s string, traced bool) float64 {
		for _, r := range rows {
			if strings.HasPrefix(r.scenario, s) && strings.HasSuffix(r.scenario, " [traced]") == traced &&
				!strings.Contains(r.scenario, "[jetstream]") && r.elapsed > 0 {
				return float64(r.st.n) / r.elapsed.Seconds()
			}
		}
		return 0
	}
	var notes []string
	worst := 0.0
	for _, s := range []string{"browse", "purchase"} {
		off, on := rate(s, false), rate(s, true)
		if off == 0 || on == 0 {
			return row{scenario: "tracing cost", target: "≤ 10 % throughput", met: "NO", note: "a pass is missing"}
		}
		cost := 100 * (off - on) / off
		worst = max(worst, cost)
		notes = append(notes, fmt.Sprintf("%s %.0f → %.0f req/s (%+.1f %%)", s, off, on, -cost))
	}
	return row{scenario: "tracing cost", target: "≤ 10 % throughput at 100 % sampling", met: met(worst <= 10),
		note: strings.Join(notes, "; ")}
}

// storeServices are the services with a MongoDB database.
var storeServices = []string{"auth", "tickets", "orders", "payments", "notifications"}

// storeCommands reads every store service's mongodb_commands_total (this
// process's registries: the app runs in it), by service and command.
func storeCommands() map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, svc := range storeServices {
		out[svc] = map[string]float64{}
		mfs, err := telemetry.For(svc).Registry.Gather()
		if err != nil {
			continue
		}
		for _, mf := range mfs {
			if mf.GetName() != "mongodb_commands_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "command" {
						out[svc][l.GetValue()] += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	return out
}

// settledCommands is storeCommands once the counts stop moving for a
// second (the last replica updates after the tickets came back), or after
// 15 s.
func settledCommands(ctx context.Context) map[string]map[string]float64 {
	last := storeCommands()
	for range 15 {
		if sleep(ctx, time.Second) != nil {
			break
		}
		now := storeCommands()
		if maps.EqualFunc(now, last, maps.Equal) {
			break
		}
		last = now
	}
	return last
}

// writeCommands are the commands that write.
var writeCommands = []string{"insert", "update", "delete", "findAndModify"}

// writeBudget is the store commands per order over its life in the bench
// (placed, then expired: order:created, expiration:complete,
// order:cancelled, ticket:updated, every replica and outbox write), per
// service: writes, then reads.
func writeBudget(before, after map[string]map[string]float64, orders int) row {
	var notes []string
	total := 0.0
	for _, svc := range storeServices {
		var writes, reads float64
		for cmd, v := range after[svc] {
			n := (v - before[svc][cmd]) / float64(orders)
			switch {
			case slices.Contains(writeCommands, cmd):
				writes += n
			case cmd == "find" || cmd == "getMore" || cmd == "aggregate" || cmd == "count":
				reads += n
			}
		}
		total += writes
		notes = append(notes, fmt.Sprintf("%s %.1f w + %.1f r", svc, writes, reads))
	}
	return row{scenario: "  store commands per order", note: fmt.Sprintf("%.1f writes per order life (placed → expired): %s",
		total, strings.Join(notes, ", "))}
}
