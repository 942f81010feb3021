//go:build integration

package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// BenchmarkListTickets measures GET /api/tickets, the hot path, on the real
// store (MongoDB, FerretDB in make test) holding 1,000 and then 100,000
// unreserved tickets: the first page and a page deep in the list (after the
// ticket at 90 %), one request at a time (p50 and p99 per request are
// reported), and the first page under 64 concurrent keep-alive connections
// with coalesced list queries, as app wires it.
func BenchmarkListTickets(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
			coll := testenv.Mongo(b).Collection("tickets")
			ids := seed(b, coll, n)
			// No relay: the store writes nothing here.
			store := mongostore.New(coll, outbox.Discard)
			deep := "/api/tickets?after=" + ids[n*9/10].Hex()
			b.Run("first-page", func(b *testing.B) { benchmarkSerial(b, store, "/api/tickets") })
			b.Run("deep-page", func(b *testing.B) { benchmarkSerial(b, store, deep) })
			b.Run("coalesced-64-conns", func(b *testing.B) { benchmarkParallel(b, ticket.NewCoalesced(store)) })
		})
	}
}

// seed inserts n unreserved tickets, as the store writes them (without
// pending events), in batches, and returns their ids in order.
func seed(b *testing.B, coll *mongo.Collection, n int) []bson.ObjectID {
	b.Helper()
	ids := make([]bson.ObjectID, 0, n)
	const batch = 1000
	for len(ids) < n {
		docs := make([]any, 0, batch)
		for range min(batch, n-len(ids)) {
			id := bson.NewObjectID()
			ids = append(ids, id)
			docs = append(docs, bson.D{
				{Key: "_id", Value: id}, {Key: "title", Value: "a concert ticket"},
				{Key: "priceCents", Value: int64(2500)}, {Key: "userId", Value: "u1"}, {Key: "version", Value: int64(0)},
			})
		}
		if _, err := coll.InsertMany(b.Context(), docs); err != nil {
			b.Fatalf("seed %d tickets: %v", n, err)
		}
	}
	return ids
}

func get(b *testing.B, client *http.Client, url string) {
	res, err := client.Get(url)
	if err != nil {
		b.Error(err)
		return
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || n < httpapi.DefaultLimit*50 {
		b.Errorf("GET %s = %d, %d bytes", url, res.StatusCode, n)
	}
}

func server(b *testing.B, store ticket.Store) (*httptest.Server, *http.Client) {
	srv := httptest.NewServer(httpapi.New(store, auth.Verifier{Key: key}, discard, nil, nil).Routes())
	b.Cleanup(srv.Close)
	const conns = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	b.Cleanup(client.CloseIdleConnections)
	return srv, client
}

func benchmarkSerial(b *testing.B, store ticket.Store, path string) {
	srv, client := server(b, store)
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		get(b, client, srv.URL+path)
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

func benchmarkParallel(b *testing.B, store ticket.Store) {
	srv, client := server(b, store)
	b.SetParallelism(max(64/runtime.GOMAXPROCS(0), 1))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			get(b, client, srv.URL+"/api/tickets")
		}
	})
}
