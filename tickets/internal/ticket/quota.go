package ticket

import (
	"context"
	"fmt"
	"time"
)

// Quota caps how many tickets one user may create per window (an hour),
// across every replica of the service.
type Quota interface {
	// Take counts one creation by userID at now. Past the cap it counts
	// nothing more and returns a *QuotaError.
	Take(ctx context.Context, userID string, now time.Time) error
}

// QuotaError is the answer to a creation past the cap.
type QuotaError struct {
	Limit      int           // creations allowed per window
	Window     time.Duration // the window
	RetryAfter time.Duration // until the next window opens
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("more than %d tickets created in %v; next window in %v", e.Limit, e.Window, e.RetryAfter)
}
