package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
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
	// The bench never uses servers named in its own environment; env
	// may choose the broker (BUS).
	st, err := stack.Start(ctx, stack.Config{DataDir: dir, Getenv: func(k string) string {
		if k == stack.EnvBus {
			return env[k]
		}
		return ""
	}}, log)
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

// watchCancelled records when order:cancelled events reach the bench: a
// signUpUsers makes n users as n sign-ups would have: for each, a session
// and its user:created, published on the app's broker as auth publishes it
// (notifications keeps the buyers' emails from it: the receipt and expiry
// emails of the bench's orders are sent, as for real users). newUser hands
// them out first. Minting them skips n password hashes.
func (a *app) signUpUsers(ctx context.Context, n int) error {
	conn, err := bus.Connect(ctx, bus.Config{
		Transport: a.env[stack.EnvBus], URL: a.env[stack.EnvNATSURL], ClusterID: a.env[stack.EnvNATSClusterID],
		ClientID: "loadgen-" + randomKey()[:12],
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		return fmt.Errorf("sign up users: %w", err)
	}
	defer conn.Close()
	users := make([]*http.Cookie, 0, n)
	for range n {
		id := bson.NewObjectID().Hex()
		email := "u" + id + "@bench.test"
		if err := bus.PublishEvent(ctx, conn, events.UserCreated{ID: id, Email: email}); err != nil {
			return fmt.Errorf("sign up users: %w", err)
		}
		c, err := apiclient.Session(a.key, auth.User{ID: id, Email: email}, 24*time.Hour)
		if err != nil {
			return err
		}
		users = append(users, c)
	}
	a.mu.Lock()
	a.signed = append(a.signed, users...)
	a.mu.Unlock()
	return nil
}

// listener of its own queue group on the app's broker (the services'
// queue groups are not touched), until stop is called.
func (a *app) watchCancelled(ctx context.Context) (*eventTimes, func(), error) {
	conn, err := bus.Connect(ctx, bus.Config{
		Transport: a.env[stack.EnvBus], URL: a.env[stack.EnvNATSURL], ClusterID: a.env[stack.EnvNATSClusterID],
		ClientID: "loadgen-" + randomKey()[:12],
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, fmt.Errorf("watch order:cancelled: %w", err)
	}
	w := &eventTimes{at: make(map[string]time.Time), kick: make(chan struct{})}
	err = bus.Listen(conn, bus.ListenerConfig{QueueGroup: "loadgen-" + randomKey()[:12]}, slog.New(slog.DiscardHandler),
		func(_ context.Context, e events.OrderCancelled) error {
			now := time.Now()
			w.mu.Lock()
			if _, ok := w.at[e.ID]; !ok {
				w.at[e.ID] = now
			}
			close(w.kick)
			w.kick = make(chan struct{})
			w.mu.Unlock()
			return nil
		})
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("watch order:cancelled: %w", err)
	}
	return w, func() { conn.Close() }, nil
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
