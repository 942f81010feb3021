package ticket

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Coalesced wraps a Store so that concurrent ListAvailable calls share
// queries: one list query runs at a time, and every call that arrives while
// it runs waits for the next one, which then serves them all.
//
// It is not a cache. Each call is answered by a query that started after
// the call arrived, so a list never misses a write that completed before
// it was asked for, whichever process made the write. Under load, the
// store runs about one list query per query duration however many clients
// ask; a lone call costs one query, as without it.
type Coalesced struct {
	Store

	mu      sync.Mutex
	running bool
	next    *listCall // the calls waiting for the next query
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
func (c *Coalesced) ListAvailable(ctx context.Context) ([]Ticket, error) {
	c.mu.Lock()
	if c.next == nil {
		c.next = &listCall{done: make(chan struct{})}
	}
	call := c.next
	if !c.running {
		c.running = true
		go c.run(context.WithoutCancel(ctx))
	}
	c.mu.Unlock()

	select {
	case <-call.done:
		return slices.Clone(call.list), call.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run serves the waiting calls, one query per batch, until none wait.
func (c *Coalesced) run(ctx context.Context) {
	for {
		c.mu.Lock()
		call := c.next
		c.next = nil
		if call == nil {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()

		qctx, cancel := context.WithTimeout(ctx, listTimeout)
		call.list, call.err = c.Store.ListAvailable(qctx)
		cancel()
		close(call.done)
	}
}
