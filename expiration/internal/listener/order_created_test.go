package listener_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/expiration/internal/listener"
)

type fakeEnqueuer struct {
	err   error
	calls int
}

func (f *fakeEnqueuer) EnqueueContext(context.Context, *asynq.Task, ...asynq.Option) (*asynq.TaskInfo, error) {
	f.calls++
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
