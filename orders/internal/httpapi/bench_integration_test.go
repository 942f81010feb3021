//go:build integration

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/gittix/ticketing/orders/internal/ticket"
)

// BenchmarkCreateOrder measures POST /api/orders against the real store
// (and the outbox relay publishing to the real NATS), each order for a
// ticket of its own.
func BenchmarkCreateOrder(b *testing.B) {
	e := newEnv(b)
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
}
