package ticket

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Coalesced wraps a Store so that concurrent ListAvailable calls for the
// same page share queries: for each distinct page, one list query runs at
// a time, and every call for that page that arrives while it runs waits
// for the next one, which then serves them all.
//
// It is not a cache. Each call is answered by a query that started after
// the call arrived, so a list never misses a write that completed before
// it was asked for, whichever process made the write. Under load, the
// store runs about one query per distinct page per query duration however
// many clients ask (most ask for the first page); a lone call costs one
// query, as without it.
type Coalesced struct {
	Store

	mu    sync.Mutex
	pages map[Page]*pageQueries // the pages with a query running
}

// pageQueries is the state of one page's queries.
type pageQueries struct {
	next *listCall // the calls waiting for the next query; nil: none
}

// listTimeout bounds a shared list query, which no single caller's context
// may cancel.
const listTimeout = 10 * time.Second

type listCall struct {
	done chan struct{}
	list []Ticket
	err  error
}

// NewCoalesced returns s with coalesced ListAvailable calls.
func NewCoalesced(s Store) *Coalesced { return &Coalesced{Store: s} }

// ListAvailable implements Store. The caller gets its own copy of the list.
func (c *Coalesced) ListAvailable(ctx context.Context, p Page) ([]Ticket, error) {
	c.mu.Lock()
	if c.pages == nil {
		c.pages = make(map[Page]*pageQueries)
	}
	q, running := c.pages[p]
	if !running {
		q = &pageQueries{}
		c.pages[p] = q
	}
	if q.next == nil {
		q.next = &listCall{done: make(chan struct{})}
	}
	call := q.next
	if !running {
		go c.run(context.WithoutCancel(ctx), p, q)
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return slices.Clone(call.list), call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run serves the calls waiting for page p, one query per batch, until none
// wait.
func (c *Coalesced) run(ctx context.Context, p Page, q *pageQueries) {
	for {
		c.mu.Lock()
		call := q.next
		q.next = nil
		if call == nil {
			delete(c.pages, p)
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		qctx, cancel := context.WithTimeout(ctx, listTimeout)
		call.list, call.err = c.Store.ListAvailable(qctx, p)
		cancel()
		close(call.done)
	}
}
