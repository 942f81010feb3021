package listener_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/expiration/internal/listener"
)

// fakeEnqueuer counts its calls, keeps the last task it was given and
// fails with err.
type fakeEnqueuer struct {
	err   error
	calls int
	task  *asynq.Task
}

func (f *fakeEnqueuer) EnqueueContext(_ context.Context, task *asynq.Task, _ ...asynq.Option) (*asynq.TaskInfo, error) {
	f.calls++
	f.task = task
	return nil, f.err
}

func TestOrderCreated(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	valid := events.OrderCreated{ID: "o1", ExpiresAt: time.Now().Add(time.Minute)}
	tests := []struct {
		name      string
		event     events.OrderCreated
		enqErr    error
		wantAck   bool
		wantCalls int
	}{
		{name: "scheduled: acked", event: valid, wantAck: true, wantCalls: 1},
		{name: "already scheduled: acked", event: valid, enqErr: asynq.ErrTaskIDConflict, wantAck: true, wantCalls: 1},
		{name: "redis down: not acked", event: valid, enqErr: errors.New("dial tcp: refused"), wantAck: false, wantCalls: 1},
		{name: "no id: acked, nothing scheduled", event: events.OrderCreated{ExpiresAt: valid.ExpiresAt}, wantAck: true},
		{name: "no expiresAt: acked, nothing scheduled", event: events.OrderCreated{ID: "o1"}, wantAck: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enq := &fakeEnqueuer{err: tc.enqErr}
			err := listener.OrderCreated(enq, log)(context.Background(), tc.event)
			if got := err == nil || errors.Is(err, bus.ErrDrop); got != tc.wantAck { // Dispatch acks both
				t.Errorf("acked = %t (err %v), want %t", got, err, tc.wantAck)
			}
			if enq.calls != tc.wantCalls {
				t.Errorf("enqueue calls = %d, want %d", enq.calls, tc.wantCalls)
			}
		})
	}
}

// FuzzOrderCreated: any message data, run through bus.Dispatch as a
// delivery is, schedules exactly the order and instant the event names, or
// nothing; never a panic.
func FuzzOrderCreated(f *testing.F) {
	for _, data := range []string{
		`{"id":"o1","version":0,"status":"created","userId":"u","expiresAt":"2030-01-01T00:00:00Z","ticket":{"id":"t","price":1}}`,
		`{"id":"o1","expiresAt":"0001-01-01T00:00:00Z"}`,
		`{"id":"o1","expiresAt":"9999-12-31T23:59:59.999999999+14:00"}`,
		`{"id":"o1","expiresAt":"2030-01-01T00:00:00-23:59"}`,
		`{"id":"o1","expiresAt":"tomorrow"}`,
		`{"id":"o1","expiresAt":1893456000}`,
		`{"id":"","expiresAt":"2030-01-01T00:00:00Z"}`,
		`{"id":"` + string(make([]byte, 300)) + `","expiresAt":"2030-01-01T00:00:00Z"}`,
		`{"expiresAt":null}`, `[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(data))
	}
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, data []byte) {
		enq := &fakeEnqueuer{}
		bus.Dispatch(context.Background(), log, listener.OrderCreated(enq, log), data, 1, false, time.Second)
		if enq.task == nil {
			return
		}
		var e events.OrderCreated
		if err := json.Unmarshal(data, &e); err != nil || e.ID == "" || e.ExpiresAt.IsZero() {
			t.Fatalf("scheduled a job for %s", data)
		}
		var job struct {
			OrderID   string    `json:"orderId"`
			ExpiresAt time.Time `json:"expiresAt"`
		}
		if err := json.Unmarshal(enq.task.Payload(), &job); err != nil || job.OrderID != e.ID || !job.ExpiresAt.Equal(e.ExpiresAt) {
			t.Fatalf("job %s for event %s", enq.task.Payload(), data)
		}
	})
}
