package expiry_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/expiration/internal/expiry"
)

// FuzzHandler feeds the job handler any payload (a job in Redis is data
// from outside the process): it publishes expiration:complete for the
// job's order, fails the job, or waits for a due time in the future; never
// a panic.
func FuzzHandler(f *testing.F) {
	for _, p := range []string{
		`{"orderId":"o1","expiresAt":"2000-01-01T00:00:00Z"}`,
		`{"orderId":"o1","expiresAt":"2999-01-01T00:00:00Z"}`,
		`{"orderId":"o1"}`, `{"orderId":""}`, `{"orderId":5}`, `{"expiresAt":"x"}`,
		`[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		pub := &publisher{}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := expiry.Handler(pub)(ctx, asynq.NewTask(expiry.TaskType, payload))
		got := bustest.Decode[events.ExpirationComplete](t, &pub.Publisher)
		switch {
		case err == nil && (len(got) != 1 || got[0].OrderID == ""):
			t.Fatalf("job %q succeeded, publishing %v", payload, got)
		case err != nil && len(got) != 0:
			t.Fatalf("job %q failed (%v) after publishing %v", payload, err, got)
		}
	})
}
