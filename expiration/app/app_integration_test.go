//go:build integration

package app_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/testenv"
)

// The tests that run the service on the shared NATS Streaming server are
// not parallel: every instance joins the one durable queue group
// "expiration-service", so an order:created may reach any running
// instance, and one stopped by its test would take the job (in its own
// Redis database) with it.

// lag is how late an expiration may be published (issue 6: within 1 s).
const lag = time.Second

// newEnv runs the service on the shared NATS and a Redis database of its own.
func newEnv(t *testing.T) (*service, *bus.Conn, *asynq.Inspector, map[string]string) {
	t.Helper()
	natsURL, cluster := testenv.NATS(t)
	redisURL, insp := redisURL(t)
	env := map[string]string{"NATS_URL": natsURL, "NATS_CLUSTER_ID": cluster, "REDIS_URL": redisURL}
	conn := bustest.Connect(t, natsURL, cluster)
	return start(t, env), conn, insp, env
}

func TestExpiresWithinASecondOfExpiresAt(t *testing.T) {
	_, conn, _, _ := newEnv(t)
	rec := recordExpirations(t, conn)
	id := newOrderID()
	expiresAt := time.Now().Add(time.Second)
	publishOrderCreated(t, conn, id, expiresAt)

	seen := rec.wait(t, id, 10*time.Second)
	t.Logf("expiration:complete %v after expiresAt", seen.Sub(expiresAt))
	if seen.Before(expiresAt) {
		t.Errorf("expiration:complete at %v, %v before expiresAt", seen, expiresAt.Sub(seen))
	}
	if late := seen.Sub(expiresAt); late > lag {
		t.Errorf("expiration:complete %v after expiresAt, want ≤ %v", late, lag)
	}
}

func TestPastExpiresAtExpiresAtOnce(t *testing.T) {
	_, conn, _, _ := newEnv(t)
	rec := recordExpirations(t, conn)
	id := newOrderID()
	published := time.Now()
	publishOrderCreated(t, conn, id, published.Add(-time.Minute))

	if took := rec.wait(t, id, 10*time.Second).Sub(published); took > lag {
		t.Errorf("expiration:complete %v after order:created, want ≤ %v", took, lag)
	}
}

func TestRedeliveredOrderCreatedExpiresOnce(t *testing.T) {
	_, conn, insp, _ := newEnv(t)
	rec := recordExpirations(t, conn)
	id := newOrderID()
	expiresAt := time.Now().Add(time.Second)
	publishOrderCreated(t, conn, id, expiresAt) // delivered …
	publishOrderCreated(t, conn, id, expiresAt) // … and again before the job runs
	rec.wait(t, id, 10*time.Second)
	bustest.Eventually(t, "job completed", func() bool {
		info, err := insp.GetTaskInfo("default", id)
		return err == nil && info.State == asynq.TaskStateCompleted
	})
	publishOrderCreated(t, conn, id, expiresAt) // and once more after it ran

	// A second job would run at once (its expiresAt has passed): watch for
	// it for a while, and see the job kept (so its id too) for Retention.
	for end := time.Now().Add(2 * lag); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if got := rec.of(id); len(got) != 1 {
			t.Fatalf("expiration:complete seen %d times, want once", len(got))
		}
	}
	info, err := insp.GetTaskInfo("default", id)
	if err != nil || info.State != asynq.TaskStateCompleted {
		t.Fatalf("job after the redelivery: %+v, %v; want the completed one", info, err)
	}
	if info.Retention < 24*time.Hour {
		t.Errorf("job retention = %v, want ≥ 24h", info.Retention)
	}
}

func TestExpiresAfterRestart(t *testing.T) {
	svc, conn, insp, env := newEnv(t)
	rec := recordExpirations(t, conn)
	id := newOrderID()
	expiresAt := time.Now().Add(3 * time.Second)
	publishOrderCreated(t, conn, id, expiresAt)
	bustest.Eventually(t, "job scheduled in Redis", func() bool {
		info, err := insp.GetTaskInfo("default", id)
		return err == nil && info.State == asynq.TaskStateScheduled
	})

	svc.stop(t)
	if time.Now().After(expiresAt) {
		t.Fatal("the service stopped only after expiresAt; the test proves nothing")
	}
	start(t, env)

	seen := rec.wait(t, id, 10*time.Second)
	if seen.Before(expiresAt) || seen.Sub(expiresAt) > lag {
		t.Errorf("expiration:complete %v after expiresAt, want 0..%v", seen.Sub(expiresAt), lag)
	}
	if got := len(rec.of(id)); got != 1 {
		t.Errorf("expiration:complete seen %d times, want once", got)
	}
}

func TestHealthProbes(t *testing.T) {
	svc, _, _, _ := newEnv(t)
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/nope": http.StatusNotFound} {
		if got := status(svc.addr + path); got != want {
			t.Errorf("GET %s = %d, want %d", path, got, want)
		}
	}
}

// TestRetriesWhileNATSIsDown runs on a NATS Streaming server of its own,
// which it stops while the job runs and starts again (same port, same file
// store), so it may run beside the others.
func TestRetriesWhileNATSIsDown(t *testing.T) {
	t.Parallel()
	nats := newNATSServer(t)
	redisURL, insp := redisURL(t)
	start(t, map[string]string{"NATS_URL": nats.url(), "REDIS_URL": redisURL})
	conn := bustest.Connect(t, nats.url(), testenv.DefaultClusterID)
	rec := recordExpirations(t, conn)
	id := newOrderID()
	publishOrderCreated(t, conn, id, time.Now().Add(time.Second))
	bustest.Eventually(t, "job scheduled in Redis", func() bool {
		info, err := insp.GetTaskInfo("default", id)
		return err == nil && info.State == asynq.TaskStateScheduled
	})

	nats.stop()
	bustest.Eventually(t, "job failed while NATS is down", func() bool {
		info, err := insp.GetTaskInfo("default", id)
		return err == nil && info.Retried >= 1
	})
	if got := rec.of(id); len(got) != 0 {
		t.Fatalf("expiration:complete seen while NATS was down: %v", got)
	}
	nats.start(t)
	back := time.Now()

	rec.wait(t, id, 10*time.Second)
	t.Logf("published %v after NATS came back", time.Since(back))
	bustest.Eventually(t, "job completed", func() bool {
		info, err := insp.GetTaskInfo("default", id)
		return err == nil && info.State == asynq.TaskStateCompleted
	})
	if n := len(rec.of(id)); n != 1 {
		t.Errorf("expiration:complete seen %d times, want once", n)
	}
}
