package ticket_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// gatedStore answers each list query with one ticket whose Version is the
// query's number, once the test lets the query finish.
type gatedStore struct {
	ticket.Store
	release chan error

	mu      sync.Mutex
	queries int
}

func (g *gatedStore) ListAvailable(ctx context.Context, _ ticket.Page) ([]ticket.Ticket, error) {
	g.mu.Lock()
	g.queries++
	n := g.queries
	g.mu.Unlock()
	if err := <-g.release; err != nil {
		return nil, err
	}
	return []ticket.Ticket{{Version: int64(n)}}, nil
}

// firstPage is the page most callers ask for.
var firstPage = ticket.Page{Limit: 101}

type result struct {
	query int64
	err   error
}

func list(c *ticket.Coalesced, ctx context.Context) chan result {
	out := make(chan result, 1)
	go func() {
		l, err := c.ListAvailable(ctx, firstPage)
		if err != nil {
			out <- result{err: err}
			return
		}
		out <- result{query: l[0].Version}
		l[0].Version = -1 // a caller's copy is its own
	}()
	return out
}

func TestCoalescedSharesTheNextQuery(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := &gatedStore{release: make(chan error)}
		c := ticket.NewCoalesced(g)
		ctx := context.Background()

		a := list(c, ctx)
		synctest.Wait() // query 1 runs for a
		b, d := list(c, ctx), list(c, ctx)
		synctest.Wait() // b and d arrived while query 1 runs: they wait for the next

		g.release <- nil
		if got := <-a; got.query != 1 {
			t.Errorf("first caller got query %d, want 1", got.query)
		}
		synctest.Wait() // query 2 runs, for b and d together
		g.release <- nil
		for _, ch := range []chan result{b, d} {
			if got := <-ch; got.query != 2 || got.err != nil {
				t.Errorf("later caller got query %d (err %v), want 2: a query that started after it arrived", got.query, got.err)
			}
		}
		synctest.Wait()
		if g.queries != 2 {
			t.Errorf("queries = %d, want 2 for 3 callers", g.queries)
		}

		e := list(c, ctx) // a lone caller after a quiet spell: its own query
		synctest.Wait()
		g.release <- nil
		if got := <-e; got.query != 3 {
			t.Errorf("lone caller got query %d, want 3", got.query)
		}
	})
}

func TestCoalescedErrorsAndCancellation(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		g := &gatedStore{release: make(chan error)}
		c := ticket.NewCoalesced(g)

		stays := list(c, context.Background())
		synctest.Wait() // query 1 runs for stays
		ctx, cancel := context.WithCancel(context.Background())
		gone := list(c, ctx)
		synctest.Wait() // gone waits for query 2
		cancel()
		if got := <-gone; !errors.Is(got.err, context.Canceled) {
			t.Errorf("cancelled caller got %+v, want %v", got, context.Canceled)
		}
		boom := errors.New("boom")
		g.release <- boom
		if got := <-stays; !errors.Is(got.err, boom) {
			t.Errorf("waiting caller got %+v, want %v", got, boom)
		}
		g.release <- nil // query 2, which nobody waits for any more, ends
	})
}

// pageStore answers each query with one ticket naming the page asked for,
// once the test lets it finish.
type pageStore struct {
	ticket.Store
	release chan struct{}

	mu    sync.Mutex
	pages []ticket.Page
}

func (p *pageStore) ListAvailable(_ context.Context, pg ticket.Page) ([]ticket.Ticket, error) {
	p.mu.Lock()
	p.pages = append(p.pages, pg)
	p.mu.Unlock()
	<-p.release
	return []ticket.Ticket{{Version: int64(pg.Limit)}}, nil
}

// TestCoalescedPerPage: callers share a query only with callers of the
// same page; a query for another page runs at once, beside it.
func TestCoalescedPerPage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		p := &pageStore{release: make(chan struct{})}
		c := ticket.NewCoalesced(p)
		ask := func(pg ticket.Page) chan int64 {
			out := make(chan int64, 1)
			go func() {
				l, err := c.ListAvailable(context.Background(), pg)
				if err != nil {
					t.Error(err)
				}
				out <- l[0].Version
			}()
			return out
		}
		a, b := ask(ticket.Page{Limit: 10}), ask(ticket.Page{Limit: 20})
		synctest.Wait() // both pages' queries run
		if len(p.pages) != 2 {
			t.Fatalf("queries running = %d, want 2 (one per page)", len(p.pages))
		}
		a2, a3 := ask(ticket.Page{Limit: 10}), ask(ticket.Page{Limit: 10})
		synctest.Wait() // they wait for page 10's next query
		p.release <- struct{}{}
		p.release <- struct{}{}
		if got := <-a; got != 10 {
			t.Errorf("page 10 caller got page %d", got)
		}
		if got := <-b; got != 20 {
			t.Errorf("page 20 caller got page %d", got)
		}
		synctest.Wait()
		p.release <- struct{}{}
		if got1, got2 := <-a2, <-a3; got1 != 10 || got2 != 10 {
			t.Errorf("later page 10 callers got pages %d, %d", got1, got2)
		}
		if len(p.pages) != 3 {
			t.Errorf("queries = %d, want 3 for 4 callers of 2 pages", len(p.pages))
		}
	})
}
