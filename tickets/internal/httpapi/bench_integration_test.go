//go:build integration

package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/tickets/internal/httpapi"
	"github.com/gittix/ticketing/tickets/internal/mongostore"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

type noNotify struct{}

func (noNotify) Notify(bson.ObjectID) {}

// BenchmarkListTickets measures GET /api/tickets, the hot path, as the
// load test drives it: 1,000 unreserved tickets in MongoDB (FerretDB), 64
// concurrent keep-alive connections over real HTTP; the store used directly
// and with coalesced list queries.
func BenchmarkListTickets(b *testing.B) {
	// No relay: the tickets' ticket:created events are dropped from their
	// outboxes instead of flooding the shared channel.
	coll := testenv.Mongo(b).Collection("tickets")
	store := mongostore.New(coll, noNotify{})
	for range 1000 {
		if _, err := store.Create(b.Context(), ticket.Ticket{Title: "a concert ticket", Price: 2500, UserID: "u1"}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := coll.UpdateMany(b.Context(), bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "outbox", Value: ""}}}}); err != nil {
		b.Fatal(err)
	}
	b.Run("direct", func(b *testing.B) { benchmarkList(b, store) })
	b.Run("coalesced", func(b *testing.B) { benchmarkList(b, ticket.NewCoalesced(store)) }) // as app wires it
}

func benchmarkList(b *testing.B, store ticket.Store) {
	h := httpapi.New(store, auth.Verifier{Key: key}, discard, nil).Routes()
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	const conns = 64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
	b.Cleanup(client.CloseIdleConnections)

	b.SetParallelism(max(conns/runtime.GOMAXPROCS(0), 1))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(srv.URL + "/api/tickets")
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || n < 1000*50 {
				b.Errorf("GET /api/tickets = %d, %d bytes", res.StatusCode, n)
				return
			}
		}
	})
}
