//go:build integration && soak

package faults_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

// TestRandomKillsDuringFlows (soak) runs purchases without pause while a
// seeded random killer SIGKILLs tickets, orders, payments or expiration
// every 1–4 s — at any moment, between a write and its publish included —
// and the harness restarts the service. Once the killing stops, every
// purchase completes and every replica equals its source of truth.
// FAULTS_SEED=N replays the same kill schedule.
func TestRandomKillsDuringFlows(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FAULTS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FAULTS_SEED: %v", err)
		}
		seed = n
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("seed %d (FAULTS_SEED=%d replays the kill schedule)", seed, seed)
		}
	})
	rng := rand.New(rand.NewPCG(seed, seed))
	const kills, workers = 40, 6

	c := newCluster(t)
	svcs := c.startAll("tickets", "orders", "payments", "expiration")
	tickets, orders, payments := svcs[0].URL(), svcs[1].URL(), svcs[2].URL()

	stop := make(chan struct{})
	go func() {
		defer close(stop)
		for range kills {
			time.Sleep(time.Second + time.Duration(rng.Int64N(int64(3*time.Second))))
			svcs[rng.IntN(len(svcs))].crash()
		}
	}()

	var mu sync.Mutex
	completed := 0
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				t.Run(fmt.Sprintf("worker %d flow %d", w, n), func(t *testing.T) {
					seller, buyer := newUser(t), newUser(t)
					tk := sellRetrying(t, seller, tickets, fmt.Sprintf("kill %d-%d", w, n))
					o := buyer.order(orders, tk.ID, 2*time.Minute)
					buyer.waitTicketOrder(tickets, tk.ID, o.ID, 2*time.Minute)
					buyer.pay(payments, o.ID, 2*time.Minute)
					buyer.waitOrderStatus(orders, o.ID, "complete", 2*time.Minute)
					mu.Lock()
					completed++
					mu.Unlock()
				})
			}
		})
	}
	wg.Wait()
	for _, s := range svcs {
		runs, restarts := s.stats()
		t.Logf("%s: %d runs, %d restarts", s.name, runs, restarts)
	}
	t.Logf("%d kills, %d purchases completed", kills, completed)
	if t.Failed() {
		return
	}

	// Every replica equals its source: the orders' ticket replica has each
	// ticket's version, and payments has every order.
	poll.Until(t, converge, "the orders' ticket replica equals tickets", func() (bool, string) {
		src, rep := versions(t, c.db("tickets").Collection("tickets")), versions(t, c.db("orders").Collection("tickets"))
		for id, v := range src {
			if rep[id] != v {
				return false, fmt.Sprintf("ticket %s: version %d, replica %d", id, v, rep[id])
			}
		}
		return len(rep) == len(src), fmt.Sprintf("%d tickets, %d replicas", len(src), len(rep))
	})
	poll.Until(t, converge, "payments' order replica has every order", func() (bool, string) {
		src, rep := versions(t, c.db("orders").Collection("orders")), versions(t, c.db("payments").Collection("orders"))
		for id := range src {
			if _, ok := rep[id]; !ok {
				return false, "order " + id + " missing"
			}
		}
		return true, ""
	})
}

// versions maps each document's id to its version.
func versions(t *testing.T, coll *mongo.Collection) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cur, err := coll.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "version", Value: 1}}).SetBatchSize(100_000))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID      bson.ObjectID `bson:"_id"`
		Version int64         `bson:"version"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]int64, len(docs))
	for _, d := range docs {
		out[d.ID.Hex()] = d.Version
	}
	return out
}
