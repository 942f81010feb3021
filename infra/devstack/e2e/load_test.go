//go:build integration

package e2e_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
)

// Load and contention through the make dev gateway (issue 10). The buyers
// are distinct signed-in users whose session cookies are minted with the
// app's JWT key, as auth would sign them: a thousand sign-ups would cost
// a thousand argon2id hashes and test nothing here.
//
// These tests do not call t.Parallel: they run one at a time, before the
// package's parallel tests, so that their load does not starve the others
// (the whole app of each test runs in this process, on two cores).

const loadJWTKey = "load-test-jwt-key-of-32-bytes-or-more"

// loadClient sends the requests of many users, each with its own user's
// session cookie, at most inFlight at a time (the others wait their turn
// before their request starts, so that its timeout measures the answer,
// not the queue), over as many keep-alive connections.
type loadClient struct {
	api   *apiclient.Client
	slots chan struct{}
}

func newLoadClient(base string, inFlight int) *loadClient {
	tr := &http.Transport{MaxConnsPerHost: inFlight, MaxIdleConnsPerHost: inFlight, IdleConnTimeout: 30 * time.Second}
	return &loadClient{api: &apiclient.Client{Base: base, HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, slots: make(chan struct{}, inFlight)}
}

// loadUser is a signed-in user: a fresh id and its session cookie.
type loadUser struct {
	id     string
	cookie *http.Cookie
}

func newLoadUser(t *testing.T) loadUser {
	t.Helper()
	id := bson.NewObjectID().Hex()
	token, err := auth.Sign([]byte(loadJWTKey), auth.User{ID: id, Email: "load-" + id + "@example.com"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return loadUser{id: id, cookie: &http.Cookie{Name: "session", Value: auth.EncodeCookie(token)}}
}

// answer is an HTTP answer: its status, and its body's id, version, or
// first error message.
type answer struct {
	status  int
	id      string
	version int64
	title   string
	price   float64
	orderID string
	message string
	err     error // the request failed without an answer
}

func (c *loadClient) do(ctx context.Context, u loadUser, method, path string, body any) answer {
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return answer{err: ctx.Err()}
	}
	defer func() { <-c.slots }()
	res, err := c.api.Do(ctx, method, path, u.cookie, body)
	if err != nil {
		return answer{status: res.Status, err: err}
	}
	var t apiclient.Ticket
	res.Decode(&t) // an empty or odd body leaves the fields empty
	return answer{status: res.Status, id: t.ID, version: t.Version, title: t.Title, price: t.Price, orderID: t.OrderID, message: res.Message()}
}

// sell creates n tickets of seller, then one more (the sentinel), and
// waits until orders can order the sentinel: orders hears ticket:created
// in channel order, so the n tickets' replicas are there too (a buyer who
// still meets a 404 tries again, as a person would).
func sell(t *testing.T, c *loadClient, seller loadUser, n int) []string {
	t.Helper()
	ids := make([]string, n+1)
	for i := range ids {
		a := c.do(t.Context(), seller, "POST", "/api/tickets", map[string]any{"title": fmt.Sprintf("Rush %d", i), "price": 10 + i})
		if a.status != http.StatusCreated {
			t.Fatalf("POST /api/tickets = %d %q (%v)", a.status, a.message, a.err)
		}
		ids[i] = a.id
	}
	probe := newLoadUser(t)
	eventually(t, "the tickets reached orders", func() bool {
		return c.do(t.Context(), probe, "POST", "/api/orders", map[string]any{"ticketId": ids[n]}).status == http.StatusCreated
	})
	return ids[:n]
}

// rushResult is what the buyers of one ticket got.
type rushResult struct {
	orders   []string       // ids of the 201 answers
	reserved int            // 400 "Ticket is already reserved"
	other    map[string]int // anything else: "503 …", "error: …"
}

// rush has buyers distinct users per ticket order their ticket, all at
// once: every buyer waits at one starting line, then sends its request
// (the client's limit decides how many are in flight). A 404 — the
// ticket's replica not in orders yet — is tried again.
func rush(t *testing.T, c *loadClient, tickets []string, buyers int) (map[string]*rushResult, time.Duration) {
	t.Helper()
	results := make(map[string]*rushResult, len(tickets))
	for _, id := range tickets {
		results[id] = &rushResult{other: map[string]int{}}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	ctx := t.Context()
	for _, ticketID := range tickets {
		for range buyers {
			u := newLoadUser(t)
			wg.Go(func() {
				<-start
				var a answer
				for deadline := time.Now().Add(20 * time.Second); ; {
					a = c.do(ctx, u, "POST", "/api/orders", map[string]any{"ticketId": ticketID})
					if a.status != http.StatusNotFound || time.Now().After(deadline) {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				mu.Lock()
				defer mu.Unlock()
				r := results[ticketID]
				switch {
				case a.err != nil:
					r.other["error: "+a.err.Error()]++
				case a.status == http.StatusCreated:
					r.orders = append(r.orders, a.id)
				case a.status == http.StatusBadRequest && a.message == "Ticket is already reserved":
					r.reserved++
				default:
					r.other[fmt.Sprintf("%d %s", a.status, a.message)]++
				}
			})
		}
	}
	began := time.Now()
	close(start)
	wg.Wait()
	return results, time.Since(began)
}

// checkRush asserts exactly one order per ticket, every other buyer told
// "Ticket is already reserved", and no other answer (no 5xx); then that
// tickets reserved each ticket for its one order.
func checkRush(t *testing.T, c *loadClient, results map[string]*rushResult, buyers int) (fivexx int) {
	t.Helper()
	for id, r := range results {
		for what, n := range r.other {
			if what[0] == '5' {
				fivexx += n
			}
			t.Errorf("ticket %s: %d × %s", id, n, what)
		}
		if len(r.orders) != 1 || r.reserved != buyers-1 {
			t.Errorf("ticket %s: %d orders %v and %d × 400 reserved of %d buyers, want 1 and %d", id, len(r.orders), r.orders, r.reserved, buyers, buyers-1)
		}
	}
	if t.Failed() {
		return fivexx
	}
	anyone := newLoadUser(t)
	eventually(t, "every ticket reserved by its one order in tickets", func() bool {
		for id, r := range results {
			if a := c.do(t.Context(), anyone, "GET", "/api/tickets/"+id, nil); a.orderID != r.orders[0] {
				return false
			}
		}
		return true
	})
	return fivexx
}

// 1000 concurrent buyers on one ticket → exactly one order.
func TestRushOneTicket(t *testing.T) {
	conns := min(rushBuyersOneTicket, rushMaxConns)
	c := newLoadClient(startApp(t, map[string]string{"JWT_KEY": loadJWTKey}), conns)
	tickets := sell(t, c, newLoadUser(t), 1)
	results, took := rush(t, c, tickets, rushBuyersOneTicket)
	fivexx := checkRush(t, c, results, rushBuyersOneTicket)
	r := results[tickets[0]]
	t.Logf("%d buyers on 1 ticket (at most %d requests in flight) → %d order, %d × 400 \"Ticket is already reserved\", %d 5xx, in %s",
		rushBuyersOneTicket, conns, len(r.orders), r.reserved, fivexx, took.Round(time.Millisecond))
}

// Many tickets rushed at once, each by many buyers → exactly one order per
// ticket.
func TestRushManyTickets(t *testing.T) {
	// Every buyer starts at once; at most rushMaxConns requests are in
	// flight, the other buyers wait for a connection in the client.
	c := newLoadClient(startApp(t, map[string]string{"JWT_KEY": loadJWTKey}), min(rushTickets*rushBuyersEach, rushMaxConns))
	tickets := sell(t, c, newLoadUser(t), rushTickets)
	results, took := rush(t, c, tickets, rushBuyersEach)
	fivexx := checkRush(t, c, results, rushBuyersEach)
	orders, reserved := 0, 0
	for _, r := range results {
		orders += len(r.orders)
		reserved += r.reserved
	}
	t.Logf("%d tickets × %d buyers at once (%d requests, at most %d in flight) → %d orders, %d × 400 \"Ticket is already reserved\", %d 5xx, in %s",
		rushTickets, rushBuyersEach, rushTickets*rushBuyersEach, min(rushTickets*rushBuyersEach, rushMaxConns), orders, reserved, fivexx, took.Round(time.Millisecond))
}

// 20 concurrent edits of one ticket: each is applied with its own version,
// 1 to n without a gap, and announced by its own ticket:updated on the
// channel; or answered 409 and not applied. None is lost silently.
func TestConcurrentEdits(t *testing.T) {
	const edits = 20
	broker := testenv.Bus(t) // the app's broker (BUS), whose channels the test reads
	c := newLoadClient(startApp(t, map[string]string{"JWT_KEY": loadJWTKey, "BUS": broker.Transport, "NATS_URL": broker.URL, "NATS_CLUSTER_ID": broker.ClusterID}), edits)
	updated := bustest.Record[events.TicketUpdated](t, bustest.Dial(t, broker))

	seller := newLoadUser(t)
	created := c.do(t.Context(), seller, "POST", "/api/tickets", map[string]any{"title": "Edited", "price": 1})
	if created.status != http.StatusCreated || created.version != 0 {
		t.Fatalf("POST /api/tickets = %d v%d %q", created.status, created.version, created.message)
	}
	answers := make([]answer, edits)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range edits {
		wg.Go(func() {
			<-start
			answers[i] = c.do(t.Context(), seller, "PUT", "/api/tickets/"+created.id,
				map[string]any{"title": fmt.Sprintf("Edit %d", i+1), "price": i + 1})
		})
	}
	close(start)
	wg.Wait()

	applied := map[int64]answer{} // by version
	conflicts := 0
	for i, a := range answers {
		switch {
		case a.status == http.StatusOK:
			if prev, dup := applied[a.version]; dup {
				t.Errorf("edits %q and %q both answered version %d", prev.title, a.title, a.version)
			}
			if want := fmt.Sprintf("Edit %d", i+1); a.title != want || a.price != float64(i+1) {
				t.Errorf("edit %d answered %q $%v, want %q $%d", i+1, a.title, a.price, want, i+1)
			}
			applied[a.version] = a
		case a.status == http.StatusConflict && a.message == "Ticket was changed concurrently, try again":
			conflicts++
		default:
			t.Errorf("edit %d: %d %q (%v)", i+1, a.status, a.message, a.err)
		}
	}
	n := int64(len(applied))
	for v := int64(1); v <= n; v++ {
		if _, ok := applied[v]; !ok {
			t.Errorf("no edit answered version %d of 1..%d: versions %v", v, n, slices.Sorted(maps.Keys(applied)))
		}
	}
	final := c.do(t.Context(), seller, "GET", "/api/tickets/"+created.id, nil)
	if last := applied[n]; final.version != n || final.title != last.title || final.price != last.price {
		t.Errorf("final ticket %q $%v v%d, want the last applied edit %q $%v v%d", final.title, final.price, final.version, last.title, last.price, n)
	}
	// The channel delivers at least once: a version may come twice, with
	// the same content; every applied version must come, no other.
	mine := func(e events.TicketUpdated) bool { return e.ID == created.id }
	seen := map[int64]events.TicketUpdated{}
	eventually(t, fmt.Sprintf("ticket:updated v1..v%d on the channel", n), func() bool {
		for _, e := range updated.All(mine) {
			if prev, ok := seen[e.Version]; ok && prev != e {
				t.Fatalf("two different ticket:updated v%d: %+v and %+v", e.Version, prev, e)
			}
			seen[e.Version] = e
		}
		return int64(len(seen)) >= n
	})
	for v, e := range seen {
		a, ok := applied[v]
		if !ok || e.Title != a.title || e.Price != a.price {
			t.Errorf("ticket:updated v%d %q $%v on the channel, applied edit of that version: %+v", v, e.Title, e.Price, a)
		}
	}
	t.Logf("%d concurrent edits → %d applied as versions 1..%d, each with its ticket:updated on the channel; %d answered 409", edits, n, n, conflicts)
}
