package expiry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/expiration/internal/expiry"
)

// fakeEnqueuer records the task and options it was given.
type fakeEnqueuer struct {
	err  error
	task *asynq.Task
	opts []asynq.Option
}

func (f *fakeEnqueuer) EnqueueContext(_ context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error) {
	f.task, f.opts = task, opts
	return nil, f.err
}

func TestSchedule(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	boom := errors.New("redis down")
	tests := []struct {
		name    string
		enqErr  error
		wantErr error
	}{
		{name: "scheduled", enqErr: nil},
		{name: "task id conflict is success", enqErr: fmt.Errorf("wrapped: %w", asynq.ErrTaskIDConflict)},
		{name: "duplicate task is success", enqErr: asynq.ErrDuplicateTask},
		{name: "redis error is returned", enqErr: boom, wantErr: boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			enq := &fakeEnqueuer{err: tc.enqErr}
			err := expiry.Schedule(context.Background(), enq, "order1", at)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("Schedule error = %v, want %v", err, tc.wantErr)
			}
			if got, want := enq.task.Type(), expiry.TaskType; got != want {
				t.Errorf("task type = %q, want %q", got, want)
			}
			if got, want := string(enq.task.Payload()), `{"orderId":"order1","expiresAt":"2030-01-02T03:04:05Z"}`; got != want {
				t.Errorf("payload = %s, want %s", got, want)
			}
			opts := map[asynq.OptionType]any{}
			for _, o := range enq.opts {
				opts[o.Type()] = o.Value()
			}
			want := map[asynq.OptionType]any{
				asynq.TaskIDOpt:    "order1",
				asynq.ProcessAtOpt: at,
				asynq.MaxRetryOpt:  expiry.MaxRetry,
				asynq.RetentionOpt: expiry.Retention,
			}
			for typ, v := range want {
				if opts[typ] != v {
					t.Errorf("option %v = %v, want %v", typ, opts[typ], v)
				}
			}
		})
	}
}

func TestScheduleNeedsOrderID(t *testing.T) {
	t.Parallel()
	err := expiry.Schedule(context.Background(), &fakeEnqueuer{}, "", time.Now())
	if !errors.Is(err, expiry.ErrBadJob) {
		t.Fatalf("Schedule error = %v, want ErrBadJob", err)
	}
}

// publisher is a recording Publisher whose connection is up unless down.
type publisher struct {
	bustest.Publisher
	down error
}

func (p *publisher) Ping(context.Context) error { return p.down }

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		payload   string
		down      error
		pubErr    error
		wantErr   bool
		wantSkip  bool // a bad payload is not retried
		wantEvent []events.ExpirationComplete
	}{
		{name: "publishes expiration:complete", payload: `{"orderId":"o1"}`, wantEvent: []events.ExpirationComplete{{OrderID: "o1"}}},
		{name: "publish failure fails the job", payload: `{"orderId":"o1"}`, pubErr: errors.New("nats timeout"), wantErr: true},
		{name: "disconnected: fails the job at once", payload: `{"orderId":"o1"}`, down: errors.New("not connected"), wantErr: true},
		{name: "bad payload is not retried", payload: `nope`, wantErr: true, wantSkip: true},
		{name: "payload without order id is not retried", payload: `{}`, wantErr: true, wantSkip: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pub := &publisher{Publisher: bustest.Publisher{Err: tc.pubErr}, down: tc.down}
			err := expiry.Handler(pub)(context.Background(), asynq.NewTask(expiry.TaskType, []byte(tc.payload)))
			if got := err != nil; got != tc.wantErr {
				t.Fatalf("handler error = %v, want error: %t", err, tc.wantErr)
			}
			if got := errors.Is(err, asynq.SkipRetry); got != tc.wantSkip {
				t.Errorf("SkipRetry = %t, want %t (err %v)", got, tc.wantSkip, err)
			}
			got := bustest.Decode[events.ExpirationComplete](t, &pub.Publisher)
			if len(got) != len(tc.wantEvent) || (len(got) == 1 && got[0] != tc.wantEvent[0]) {
				t.Errorf("published %+v, want %+v", got, tc.wantEvent)
			}
		})
	}
}

func TestHandlerWaitsForExpiresAt(t *testing.T) {
	t.Parallel()
	pub := &publisher{}
	at := time.Now().Add(300 * time.Millisecond)
	payload := fmt.Sprintf(`{"orderId":"o1","expiresAt":%q}`, at.Format(time.RFC3339Nano))
	if err := expiry.Handler(pub)(context.Background(), asynq.NewTask(expiry.TaskType, []byte(payload))); err != nil {
		t.Fatalf("handler: %v", err)
	}
	if now := time.Now(); now.Before(at) {
		t.Errorf("published at %v, before expiresAt %v", now, at)
	}
	if got := len(pub.Messages()); got != 1 {
		t.Errorf("published %d messages, want 1", got)
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		retried int
		want    time.Duration
	}{
		{0, time.Second}, {1, 2 * time.Second}, {2, 4 * time.Second}, {3, 8 * time.Second},
		{4, 16 * time.Second}, {5, 30 * time.Second}, {100, 30 * time.Second}, {-1, time.Second},
	}
	for _, tc := range tests {
		if got := expiry.RetryDelay(tc.retried, nil, nil); got != tc.want {
			t.Errorf("RetryDelay(%d) = %v, want %v", tc.retried, got, tc.want)
		}
	}
}

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
