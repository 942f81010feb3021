package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	stan "github.com/nats-io/stan.go"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
	"github.com/gittix/ticketing/infra/devstack/internal/devapp"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

// app is the whole of GitTix running in this process, as `make dev` runs
// it: the backing servers (started here, so that the checks can read the
// databases) and devapp with its gateway.
type app struct {
	*api
	mongo *mongo.Client
	env   map[string]string // the stack's (NATS_URL, …)
	stop  func() error
}

// startApp starts the backing servers in a fresh temporary data folder and
// the app on them, with env added to every part's settings.
func startApp(ctx context.Context, env map[string]string, log *slog.Logger) (*app, error) {
	dir, err := os.MkdirTemp("", "gittix-bench-")
	if err != nil {
		return nil, err
	}
	// An empty Getenv: the bench never uses servers named in its own
	// environment.
	st, err := stack.Start(ctx, stack.Config{DataDir: dir, Getenv: func(string) string { return "" }}, log)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	all := st.Env()
	for k, v := range env {
		all[k] = v
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(all[stack.EnvMongoURI]))
	if err != nil {
		return nil, errors.Join(err, st.Stop(), os.RemoveAll(dir))
	}

	runCtx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- devapp.Run(runCtx, devapp.Config{Addr: "127.0.0.1:0", DataDir: dir, Getenv: func(k string) string { return all[k] }},
			log, func(url string) { ready <- url })
	}()
	stop := func() error {
		cancel()
		err := <-done
		return errors.Join(err, mc.Disconnect(context.Background()), st.Stop(), os.RemoveAll(dir))
	}
	select {
	case url := <-ready:
		return &app{api: newAPI(url, []byte(all["JWT_KEY"]), 256), mongo: mc, env: all, stop: stop}, nil
	case err := <-done:
		done <- err
		return nil, errors.Join(fmt.Errorf("app did not start: %w", err), stop())
	case <-ctx.Done():
		return nil, errors.Join(ctx.Err(), stop())
	}
}

// eventTimes records when the events of one subject, keyed by their "id",
// were delivered to the bench.
type eventTimes struct {
	mu   sync.Mutex
	at   map[string]time.Time
	kick chan struct{} // closed and replaced on every event
}

// watch subscribes to subject on the app's NATS Streaming (a plain
// subscription of its own, new messages only: the services' durable
// queue groups are not touched) until stop is called.
func (a *app) watch(subject events.Subject) (*eventTimes, func(), error) {
	sc, err := stan.Connect(a.env[stack.EnvNATSClusterID], "loadgen-"+randomKey()[:12], stan.NatsURL(a.env[stack.EnvNATSURL]))
	if err != nil {
		return nil, nil, fmt.Errorf("watch %s: %w", subject, err)
	}
	w := &eventTimes{at: make(map[string]time.Time), kick: make(chan struct{})}
	_, err = sc.Subscribe(string(subject), func(m *stan.Msg) {
		now := time.Now()
		var e struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(m.Data, &e) != nil {
			return
		}
		w.mu.Lock()
		if _, ok := w.at[e.ID]; !ok {
			w.at[e.ID] = now
		}
		close(w.kick)
		w.kick = make(chan struct{})
		w.mu.Unlock()
	})
	if err != nil {
		sc.Close()
		return nil, nil, fmt.Errorf("watch %s: %w", subject, err)
	}
	return w, func() { sc.Close() }, nil
}

// await returns when the event of id was delivered, waiting up to timeout.
func (w *eventTimes) await(ctx context.Context, id string, timeout time.Duration) (time.Time, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		at, ok := w.at[id]
		kick := w.kick
		w.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-kick:
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("no event %v", timeout)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

// ordersOf returns how many orders the orders database holds for each of
// the tickets ids (one query).
func (a *app) ordersOf(ctx context.Context, ids []string) (map[string]int, error) {
	oids := make([]bson.ObjectID, len(ids))
	for i, id := range ids {
		var err error
		if oids[i], err = bson.ObjectIDFromHex(id); err != nil {
			return nil, err
		}
	}
	cur, err := a.mongo.Database("orders").Collection("orders").Find(ctx,
		bson.D{{Key: "ticket.id", Value: bson.D{{Key: "$in", Value: oids}}}},
		options.Find().SetProjection(bson.D{{Key: "ticket.id", Value: 1}}).SetBatchSize(100_000))
	if err != nil {
		return nil, fmt.Errorf("count orders: %w", err)
	}
	var docs []struct {
		Ticket struct {
			ID bson.ObjectID `bson:"id"`
		} `bson:"ticket"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("count orders: %w", err)
	}
	n := make(map[string]int, len(ids))
	for _, d := range docs {
		n[d.Ticket.ID.Hex()]++
	}
	return n, nil
}

// waitReplicated waits until the orders service's replica holds every
// ticket of ids, so that all of them can be ordered. It looks each one up
// by _id (the one filter FerretDB answers from an index), resuming at the
// first one missing.
func waitReplicated(ctx context.Context, mc *mongo.Client, ids []string, timeout time.Duration) error {
	coll := mc.Database("orders").Collection("tickets")
	deadline := time.Now().Add(timeout)
	for i := 0; i < len(ids); {
		id, err := bson.ObjectIDFromHex(ids[i])
		if err != nil {
			return err
		}
		err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Err()
		if err == nil {
			i++
			continue
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("read the orders replica: %w", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("orders replica holds %d of %d tickets after %v", i, len(ids), timeout)
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

// api is a client of the GitTix API that mints session cookies itself (the
// key is the app's JWT_KEY), so that thousands of distinct users cost no
// sign-up each.
type api struct {
	client  *apiclient.Client
	key     []byte
	seller  *http.Cookie // the session of the user who sells every ticket
	created atomic.Int64 // tickets created through this client

	mu      sync.Mutex
	ordered []string // tickets ordered since the last takeOrdered
}

// noteOrdered records that ticket id got an order.
func (a *api) noteOrdered(id string) {
	a.mu.Lock()
	a.ordered = append(a.ordered, id)
	a.mu.Unlock()
}

// takeOrdered returns the tickets ordered since the last call.
func (a *api) takeOrdered() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := a.ordered
	a.ordered = nil
	return ids
}

func newAPI(base string, key []byte, conns int) *api {
	tr := &http.Transport{
		MaxIdleConns:        0, // no limit
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	a := &api{client: &apiclient.Client{Base: base, HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, key: key}
	a.seller = a.newUser()
	return a
}

// newUser returns the session cookie of a new user.
func (a *api) newUser() *http.Cookie {
	id := bson.NewObjectID().Hex()
	c, err := apiclient.Session(a.key, auth.User{ID: id, Email: "u" + id + "@bench.test"}, 24*time.Hour)
	if err != nil {
		panic(err) // HS256 signing with a non-empty key cannot fail
	}
	return c
}

// statusError is an answer other than the expected one.
type statusError struct {
	method, path string
	status, want int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d, want %d: %.200s", e.method, e.path, e.status, e.want, e.body)
}

// do sends one request with a JSON body (if body is not nil) and the cookie
// (if any). It returns an error unless the status is want; out, if not nil,
// gets the decoded answer.
func (a *api) do(ctx context.Context, method, path string, cookie *http.Cookie, body []byte, want int, out any) error {
	status, err := a.send(ctx, method, path, cookie, body, out)
	if err != nil {
		return err
	}
	if status.code != want {
		return &statusError{method, path, status.code, want, status.body}
	}
	return nil
}

type answer struct {
	code int
	body string // kept for answers other than 2xx
}

func (a *api) send(ctx context.Context, method, path string, cookie *http.Cookie, body []byte, out any) (answer, error) {
	var b any
	if body != nil {
		b = body
	}
	res, err := a.client.Do(ctx, method, path, cookie, b)
	if err != nil {
		return answer{}, err
	}
	ans := answer{code: res.Status}
	switch {
	case res.Status >= 300:
		ans.body = string(res.Body[:min(len(res.Body), 4096)])
	case out != nil:
		if err := res.Decode(out); err != nil {
			return ans, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return ans, nil
}

type (
	ticketJSON = apiclient.Ticket
	orderJSON  = apiclient.Order
)

// createTicket creates one ticket for sale and returns its id.
func (a *api) createTicket(ctx context.Context) (string, error) {
	n := a.created.Load()
	body := fmt.Appendf(nil, `{"title":"Bench ticket %d","price":%d}`, n, 10+n%90)
	var t ticketJSON
	if err := a.do(ctx, "POST", "/api/tickets", a.seller, body, http.StatusCreated, &t); err != nil {
		return "", err
	}
	a.created.Add(1)
	return t.ID, nil
}

// createTickets creates n tickets, a few at a time.
func (a *api) createTickets(ctx context.Context, n int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for w := range errs {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				id, err := a.createTicket(ctx)
				if err != nil {
					errs[w] = err
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// order places an order for ticket id as the user of cookie.
func (a *api) order(ctx context.Context, cookie *http.Cookie, id string) (answer, orderJSON, error) {
	var o orderJSON
	ans, err := a.send(ctx, "POST", "/api/orders", cookie, orderBody(id), &o)
	return ans, o, err
}

func orderBody(ticketID string) []byte { return []byte(`{"ticketId":"` + ticketID + `"}`) }

// available returns how many tickets GET /api/tickets lists.
func (a *api) available(ctx context.Context) (int, error) {
	var ts []ticketJSON
	if err := a.do(ctx, "GET", "/api/tickets", nil, nil, http.StatusOK, &ts); err != nil {
		return 0, err
	}
	return len(ts), nil
}

// waitReleased waits until none of the tickets ids holds an order: every
// order of them expired and the tickets service heard order:cancelled. A
// few readers read each ticket by _id (cheap) in turn, each waiting on its
// first ticket still held, rather than listing the whole catalogue again
// and again (a scan of the collection each time, which would slow down what
// it waits for).
func (a *app) waitReleased(ctx context.Context, ids []string, timeout time.Duration, log *slog.Logger) (int, error) {
	coll := a.mongo.Database("tickets").Collection("tickets")
	deadline := time.Now().Add(timeout)
	var released atomic.Int64
	const readers = 4
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for r := range readers {
		wg.Go(func() {
			for i := r; i < len(ids); {
				id, err := bson.ObjectIDFromHex(ids[i])
				if err != nil {
					errs[r] = err
					return
				}
				var t struct {
					OrderID string `bson:"orderId"`
				}
				err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, options.FindOne().SetProjection(bson.D{{Key: "orderId", Value: 1}})).Decode(&t)
				switch {
				case err != nil:
					errs[r] = fmt.Errorf("read ticket %s: %w", ids[i], err)
					return
				case t.OrderID == "":
					released.Add(1)
					i += readers
				case time.Now().After(deadline):
					errs[r] = fmt.Errorf("ticket %s still held by order %s %v later", ids[i], t.OrderID, timeout)
					return
				default:
					if errs[r] = sleep(ctx, 200*time.Millisecond); errs[r] != nil {
						return
					}
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		wg.Wait()
	}()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-done:
			n := int(released.Load())
			if err := errors.Join(errs...); err != nil {
				return n, fmt.Errorf("%d of %d ordered tickets released: %w", n, len(ids), err)
			}
			return n, nil
		case <-tick.C:
			log.Info("waiting for the ordered tickets to be released", "released", released.Load(), "of", len(ids))
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func randomKey() string {
	var b [24]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func itoa(n int) string { return strconv.Itoa(n) }
