//go:build integration

package faults_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

// failFast bounds how long a request may take to fail while a store is
// unavailable: well under the services' 30 s HTTP write timeout, after
// which a client would get no answer at all.
const failFast = 12 * time.Second

// TestMongoUnavailable cuts the services (auth, tickets, orders, payments)
// off MongoDB — the server down (connections refused) or hung (connections
// accepted, never answered) — and sends a request to every route that needs
// it: each answers 503 in the error shape of SPEC §2, within failFast, and
// every /readyz answers 503. Once MongoDB is back, the same services (not
// restarted) serve a whole purchase again.
func TestMongoUnavailable(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name string
		cut  func(*proxy)
	}{
		{"down", (*proxy).Cut},
		{"hung", (*proxy).Stall},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			u, err := url.Parse(stackEnv[stack.EnvMongoURI])
			if err != nil {
				t.Fatal(err)
			}
			mongo := startProxy(t, u.Host)
			c := newCluster(t)
			c.mongoAddr = mongo.addr
			svcs := map[string]*service{}
			for _, s := range c.startAll("auth", "tickets", "orders", "payments") {
				svcs[s.name] = s
			}
			tickets, orders, payments := svcs["tickets"].URL(), svcs["orders"].URL(), svcs["payments"].URL()

			// What the requests during the outage refer to.
			seller, buyer := newUser(t), newUser(t)
			tk := seller.sell(tickets, "outage "+randHex(3), 10)
			free := seller.sell(tickets, "outage free "+randHex(3), 10)
			o := buyer.order(orders, tk.ID, converge)
			waitReplica(t, c.db("orders").Collection("tickets"), free.ID, 0)
			waitReplica(t, c.db("payments").Collection("orders"), o.ID, 0)

			type probe struct {
				svc, method, path string
				body              any
			}
			probes := []probe{
				{"auth", "POST", "/api/users/signup", map[string]any{"email": "new" + randHex(4) + "@faults.test", "password": "secret-pass"}},
				{"auth", "POST", "/api/users/signin", map[string]any{"email": "someone@faults.test", "password": "secret-pass"}},
				{"tickets", "GET", "/api/tickets", nil},
				{"tickets", "GET", "/api/tickets/" + tk.ID, nil},
				{"tickets", "POST", "/api/tickets", map[string]any{"title": "during outage", "price": 5}},
				{"tickets", "PUT", "/api/tickets/" + free.ID, map[string]any{"title": "renamed", "price": 6}},
				{"orders", "GET", "/api/orders", nil},
				{"orders", "GET", "/api/orders/" + o.ID, nil},
				{"orders", "POST", "/api/orders", map[string]any{"ticketId": free.ID}},
				{"orders", "DELETE", "/api/orders/" + o.ID, nil},
				{"payments", "POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}},
			}
			for _, name := range slices.Sorted(maps.Keys(svcs)) {
				probes = append(probes, probe{name, "GET", "/readyz", nil})
			}

			mode.cut(mongo)
			type answer struct {
				code int
				body string
				took time.Duration
				err  error
			}
			answers := make([]answer, len(probes))
			var wg sync.WaitGroup
			for i, p := range probes {
				wg.Go(func() {
					begin := time.Now()
					user := seller
					if p.svc == "orders" || p.svc == "payments" {
						user = buyer
					}
					code, body, err := user.do(p.method, svcs[p.svc].URL()+p.path, p.body)
					answers[i] = answer{code, string(body), time.Since(begin), err}
				})
			}
			wg.Wait()
			var slowest time.Duration
			for i, p := range probes {
				a := answers[i]
				slowest = max(slowest, a.took)
				switch {
				case a.err != nil:
					t.Errorf("%s %s %s: no answer after %s: %v", p.svc, p.method, p.path, a.took.Round(time.Millisecond), a.err)
				case a.code != 503:
					t.Errorf("%s %s %s = %d %s, want 503", p.svc, p.method, p.path, a.code, a.body)
				case !errorShape(a.body):
					t.Errorf("%s %s %s: body %s is not in the error shape", p.svc, p.method, p.path, a.body)
				case a.took > failFast:
					t.Errorf("%s %s %s: 503 after %s, want within %s", p.svc, p.method, p.path, a.took.Round(time.Millisecond), failFast)
				}
			}
			took := make([]string, len(probes))
			for i, p := range probes {
				took[i] = fmt.Sprintf("%s %s %s %s", p.svc, p.method, p.path, answers[i].took.Round(time.Millisecond))
			}
			t.Logf("MongoDB %s: %d requests answered 503 in %s at most (%s)",
				mode.name, len(probes), slowest.Round(time.Millisecond), strings.Join(took, ", "))

			mongo.Restore()
			back := time.Now()
			for _, s := range svcs {
				s.waitReady(converge)
			}
			t.Logf("all services ready %s after MongoDB came back", time.Since(back).Round(time.Millisecond))
			// A whole purchase works again: sell, order, pay.
			tk2 := seller.sell(tickets, "after outage "+randHex(3), 12)
			o2 := buyer.order(orders, tk2.ID, converge)
			buyer.waitTicketOrder(tickets, tk2.ID, o2.ID, converge)
			buyer.pay(payments, o2.ID, converge)
			buyer.waitOrderStatus(orders, o2.ID, "complete", converge)
			newUser(t).must("POST", svcs["auth"].URL()+"/api/users/signup",
				map[string]any{"email": "after" + randHex(4) + "@faults.test", "password": "secret-pass"}, 201, nil)
			for _, s := range svcs {
				if runs, _ := s.stats(); runs != 1 {
					t.Errorf("%s ran %d times; want it to recover on its own", s.name, runs)
				}
			}
		})
	}
}

// TestRedisUnavailable cuts expiration off Redis: its /readyz answers 503;
// an order:created that arrives meanwhile cannot be scheduled, so it is not
// acked; once Redis is back, /readyz answers 200 again, the event comes
// again, is scheduled, and its expiration:complete is published — without
// the service restarting.
func TestRedisUnavailable(t *testing.T) {
	t.Parallel()
	u, err := url.Parse(stackEnv[stack.EnvRedisURL])
	if err != nil {
		t.Fatal(err)
	}
	redis := startProxy(t, u.Host)
	u.Host = redis.addr // the same password, through the proxy
	c := newCluster(t)
	exp := c.start("expiration", map[string]string{"REDIS_URL": redisDB(t, u.String())})
	pub := c.nats.connect(t)
	user := newUser(t)

	redis.Cut()
	cut := time.Now()
	poll.Until(t, failFast, "expiration /readyz 503", func() (bool, string) {
		code, body, err := user.do("GET", exp.URL()+"/readyz", nil)
		if err != nil {
			return false, err.Error()
		}
		return code == 503 && errorShape(string(body)), fmt.Sprintf("%d %s", code, body)
	})
	t.Logf("Redis down: expiration /readyz answered 503 %s after the cut", time.Since(cut).Round(time.Millisecond))

	orderID := bson.NewObjectID().Hex()
	err = bus.PublishEvent(t.Context(), pub, events.OrderCreated{
		ID: orderID, Status: events.StatusCreated, UserID: user.id, ExpiresAt: time.Now().Add(time.Second),
		Ticket: events.OrderTicket{ID: bson.NewObjectID().Hex(), Price: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	poll.Until(t, converge, "order:created not acked while Redis is down", func() (bool, string) {
		return strings.Contains(exp.out.String(), `"msg":"event not acked"`), "no such log line yet"
	})

	redis.Restore()
	back := time.Now()
	exp.waitReady(converge)
	t.Logf("Redis back: expiration ready again after %s", time.Since(back).Round(time.Millisecond))
	poll.Until(t, converge, "expiration:complete published for the order", func() (bool, string) {
		n := c.nats.countPublished(t, events.SubjectExpirationComplete, "orderId", orderID)
		return n >= 1, fmt.Sprintf("%d published", n)
	})
	t.Logf("the order:created that came during the outage was scheduled and expired %s after Redis came back",
		time.Since(back).Round(time.Millisecond))
	if runs, _ := exp.stats(); runs != 1 {
		t.Errorf("expiration ran %d times; want it to recover on its own", runs)
	}
}

// errorShape reports whether body is {"errors":[{"message":"…"},…]} with a
// message in every entry (SPEC §2).
func errorShape(body string) bool {
	var v struct {
		Errors []struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"errors"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil || len(v.Errors) == 0 {
		return false
	}
	for _, e := range v.Errors {
		if e.Message == "" {
			return false
		}
	}
	return true
}
