//go:build integration

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/gittix/ticketing/orders/internal/ticket"
)

// BenchmarkCreateOrder measures POST /api/orders against the real store,
// each order for a ticket of its own: the replica read and the one insert
// that reserves the ticket and records order:created.
//
// "with relay" also runs the outbox relay, publishing each order:created to
// the real NATS and removing it from its order, as the service does; its
// writes share the store with the inserts. "store only" leaves the events in
// the outbox, isolating the reservation itself.
func BenchmarkCreateOrder(b *testing.B) {
	for _, bc := range []struct {
		name  string
		relay bool
	}{{"with relay", true}, {"store only", false}} {
		b.Run(bc.name, func(b *testing.B) {
			e := setup(b, bc.relay)
			tickets := make([]ticket.Ticket, b.N)
			for i := range tickets {
				tickets[i] = e.ticket(b, "bench", 10)
			}
			u := user("bench")
			b.ResetTimer()
			for i := range b.N {
				rec := e.do(b, u, http.MethodPost, "/api/orders", `{"ticketId":"`+tickets[i].ID.Hex()+`"}`)
				if rec.Code != http.StatusCreated {
					b.Fatalf("POST /api/orders = %d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
