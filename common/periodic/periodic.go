// Package periodic runs a service's background chores on a timer: the
// refresh of a replica's banned users, the sweep of expired documents.
package periodic

import (
	"context"
	"time"
)

// Run calls f every interval, the first time one interval after the
// start, until ctx is done.
func Run(ctx context.Context, interval time.Duration, f func(ctx context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}
