// Package listener holds the service's event listeners, one file per subject.
package listener

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/expiration/internal/expiry"
)

// OrderCreated schedules the order's expiration at its expiresAt. The event
// is acked once the job is stored in Redis (or was already there).
func OrderCreated(enq expiry.Enqueuer, log *slog.Logger) bus.Handler[events.OrderCreated] {
	return func(ctx context.Context, e events.OrderCreated) error {
		if e.ID == "" || e.ExpiresAt.IsZero() {
			// Expiring an order on a guess would be worse than not at all.
			return fmt.Errorf("order:created without id or expiresAt (order %q, expires %v), not scheduled: %w", e.ID, e.ExpiresAt, bus.ErrDrop)
		}
		return expiry.Schedule(ctx, enq, e.ID, e.ExpiresAt)
	}
}
