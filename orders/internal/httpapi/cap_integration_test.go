//go:build integration

package httpapi_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOpenOrderCap: 20 concurrent POST /api/orders of one user on 20
// tickets, on the real MongoDB (FerretDB), create exactly 5 orders; the
// others answer 429 in the error shape, none 5xx. Cancelling one makes room
// for one more.
func TestOpenOrderCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.svc.MaxOpen = 5
	u := user("hoarder")
	codes := make([]int, 20)
	bodies := make([]string, 20)
	var wg sync.WaitGroup
	for i := range codes {
		tk := e.ticket(t, "concert", 10)
		wg.Go(func() {
			rec := e.do(t, u, http.MethodPost, "/api/orders", `{"ticketId":"`+tk.ID.Hex()+`"}`)
			codes[i], bodies[i] = rec.Code, rec.Body.String()
		})
	}
	wg.Wait()
	count := map[int]int{}
	for i, code := range codes {
		count[code]++
		if code == http.StatusTooManyRequests {
			want := `{"errors":[{"message":"You have too many open orders; pay for or cancel one first"}]}` + "\n"
			if bodies[i] != want {
				t.Errorf("429 body = %q, want %q", bodies[i], want)
			}
		}
	}
	if diff := cmp.Diff(map[int]int{http.StatusCreated: 5, http.StatusTooManyRequests: 15}, count); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}

	list := decode[[]orderJSON](t, e.do(t, u, http.MethodGet, "/api/orders", ""))
	if len(list) != 5 {
		t.Fatalf("stored orders = %d, want 5", len(list))
	}
	extra := e.ticket(t, "concert", 10)
	body := `{"ticketId":"` + extra.ID.Hex() + `"}`
	if rec := e.do(t, u, http.MethodPost, "/api/orders", body); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("6th order = %d %s, want 429", rec.Code, rec.Body)
	}
	if rec := e.do(t, u, http.MethodDelete, "/api/orders/"+list[0].ID, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("DELETE = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, u, http.MethodPost, "/api/orders", body); rec.Code != http.StatusCreated {
		t.Fatalf("order after a cancel = %d %s, want 201", rec.Code, rec.Body)
	}
}
