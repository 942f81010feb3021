//go:build integration

package faults_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

// publishAckWait is how long a publish waits for NATS Streaming's ack (set
// in common/bus). A publish in flight when the server goes down is never
// acked, and the outbox relay that sent it waits this long before it
// publishes anything else; relays of several services (tickets, then
// orders, then payments) can add their waits up.
const publishAckWait = 5 * time.Second

// afterOutage bounds how long a flow may wait, once NATS is back, for its
// next step: every relay of the chain stalled once, and some slack.
const afterOutage = 3*publishAckWait + 15*time.Second

// TestNATSRestartMidFlow restarts NATS Streaming (file store) while
// buy-and-pay flows run through tickets, orders, payments and expiration.
// After a brief outage every service reconnects without restarting; after
// one longer than the services' ping budget (3 missed pings, 2 s apart)
// every service exits and the harness, as Kubernetes would, restarts it.
// Either way no event is lost: every flow completes (order → ticket
// reserved → paid → complete) and each event was published.
func TestNATSRestartMidFlow(t *testing.T) {
	t.Parallel()
	type outage struct {
		name     string
		down     time.Duration // each time
		restarts int           // NATS restarts, 3 s apart
		exits    bool          // the services exit (and are restarted), rather than reconnect
	}
	cases := []outage{
		{name: "brief outage, services reconnect", down: 500 * time.Millisecond, restarts: 1},
		{name: "long outage, services exit and are restarted", down: 9 * time.Second, restarts: 1, exits: true},
	}
	if soak {
		cases = append(cases,
			outage{name: "five brief outages in a row", down: time.Second, restarts: 5},
			outage{name: "three long outages in a row", down: 9 * time.Second, restarts: 3, exits: true})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t)
			svcs := c.startAll("tickets", "orders", "payments", "expiration")
			tickets, orders, payments := svcs[0].URL(), svcs[1].URL(), svcs[2].URL()

			// The flows run concurrently, each starting a little after
			// the previous one; NATS goes down once the first has placed
			// its order, so the flows are at different steps when it does.
			firstOrder := make(chan struct{})
			var ordered sync.Once
			var done atomic.Int32
			restarted := make(chan struct{})
			var backAt time.Time // when NATS came back for the last time
			go func() {
				defer close(restarted)
				select {
				case <-firstOrder:
				case <-time.After(time.Minute):
					return // the flows fail on their own
				}
				for i := range tc.restarts {
					if i > 0 {
						time.Sleep(3 * time.Second) // up between the outages
					}
					c.nats.Restart(tc.down)
				}
				backAt = time.Now()
				t.Logf("NATS restarted %d time(s), %s down each; %d of %d flows complete when it came back",
					tc.restarts, tc.down, done.Load(), flowsDuringNATSRestart)
			}()
			type result struct {
				ticket, order string
				took          time.Duration
				end           time.Time
			}
			results := make([]result, flowsDuringNATSRestart)
			begin := time.Now()
			// Each flow is a subtest, run in a goroutine of its own (not
			// t.Parallel, which would queue it behind other tests).
			var wg sync.WaitGroup
			for i := range flowsDuringNATSRestart {
				wg.Go(func() {
					t.Run(fmt.Sprintf("flow %d", i), func(t *testing.T) {
						time.Sleep(time.Duration(i) * 150 * time.Millisecond) // stagger the flows
						start := time.Now()
						seller, buyer := newUser(t), newUser(t)
						tk := sellRetrying(t, seller, tickets, fmt.Sprintf("flow %d", i))
						o := buyer.order(orders, tk.ID, afterOutage)
						ordered.Do(func() { close(firstOrder) })
						buyer.waitTicketOrder(tickets, tk.ID, o.ID, afterOutage)
						buyer.pay(payments, o.ID, afterOutage)
						buyer.waitOrderStatus(orders, o.ID, "complete", afterOutage)
						results[i] = result{tk.ID, o.ID, time.Since(start), time.Now()}
						done.Add(1)
					})
				})
			}
			wg.Wait()
			<-restarted
			if t.Failed() {
				return
			}
			var slowest time.Duration
			var last time.Time
			for _, r := range results {
				slowest = max(slowest, r.took)
				if r.end.After(last) {
					last = r.end
				}
			}
			t.Logf("all %d flows complete after %s (slowest flow %s), the last one %s after NATS came back",
				flowsDuringNATSRestart, time.Since(begin).Round(time.Millisecond), slowest.Round(time.Millisecond),
				last.Sub(backAt).Round(time.Millisecond))
			if d := last.Sub(backAt); d > afterOutage {
				t.Errorf("the flows completed %s after NATS came back, want within %s", d.Round(time.Millisecond), afterOutage)
			}

			for _, s := range svcs {
				runs, restarts := s.stats()
				t.Logf("%s: %d run(s), %d restart(s) by the supervisor", s.name, runs, restarts)
				if tc.exits && restarts == 0 {
					t.Errorf("%s kept running through a %s NATS outage; want it to exit (connection lost) and be restarted", s.name, tc.down)
				}
				if !tc.exits && restarts != 0 {
					t.Errorf("%s restarted %d time(s) after a %s NATS outage; want it to reconnect", s.name, restarts, tc.down)
				}
			}

			// Each flow's events were published (duplicates are allowed:
			// delivery is at least once).
			for _, check := range []struct {
				subject events.Subject
				key     string
				id      func(result) string
			}{
				{events.SubjectTicketCreated, "id", func(r result) string { return r.ticket }},
				{events.SubjectOrderCreated, "id", func(r result) string { return r.order }},
				{events.SubjectPaymentCreated, "orderId", func(r result) string { return r.order }},
			} {
				total := 0
				for _, r := range results {
					n := c.nats.countPublished(t, check.subject, check.key, check.id(r))
					if n < 1 {
						t.Errorf("%s of %s published %d times, want at least 1", check.subject, check.id(r), n)
					}
					total += n
				}
				t.Logf("%s: %d published for %d flows", check.subject, total, len(results))
			}
		})
	}
}

// sellRetrying creates a ticket, retrying while tickets does not answer (it
// may be restarting). After a request that got no answer it sells under a
// new title, so the ticket it returns is the one that answered.
func sellRetrying(t *testing.T, u *user, tickets string, title string) ticketJSON {
	t.Helper()
	var tk ticketJSON
	poll.Until(t, time.Minute, "ticket "+title+" created", func() (bool, string) {
		code, b, err := u.do("POST", tickets+"/api/tickets", map[string]any{"title": title, "price": 10})
		if err != nil {
			return false, err.Error()
		}
		if code != 201 {
			return false, fmt.Sprintf("%d %s", code, b)
		}
		return json.Unmarshal(b, &tk) == nil, ""
	})
	return tk
}
