//go:build integration

package faults_test

import (
	"context"
	"log/slog"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/testenv"
	"github.com/gittix/ticketing/infra/devstack/internal/devapp"
	"github.com/gittix/ticketing/infra/devstack/internal/devapp/devapptest"
	"github.com/gittix/ticketing/infra/devstack/internal/stack"
)

// TestDevAppSurvivesNATSRestart runs the whole app in one process as `make
// dev` does, on a NATS Streaming server (file store) that goes down for
// longer than the services' ping budget in the middle of a purchase: the
// services lose NATS and exit, devapp restarts them, and the purchase
// completes.
func TestDevAppSurvivesNATSRestart(t *testing.T) {
	t.Parallel()
	nats := startNATS(t)
	prefix := "f" + randHex(4) + "_"
	env := nats.env()
	maps.Copy(env, map[string]string{
		"MONGO_URI":       stackEnv[stack.EnvMongoURI],
		"REDIS_URL":       redisDB(t, stackEnv[stack.EnvRedisURL]),
		"STRIPE_API_BASE": stackEnv[stack.EnvStripeAPIBase],
		"JWT_KEY":         jwtKey,
	})
	t.Cleanup(func() { // after the app has stopped
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		for _, p := range []string{"auth", "tickets", "orders", "payments"} {
			_ = inspect.Database(prefix + p).Drop(dctx)
		}
	})
	logs := &testenv.LogBuffer{}
	base := devapptest.Start(t, devapp.Config{Addr: "127.0.0.1:0", DBPrefix: prefix, Getenv: func(k string) string { return env[k] }},
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})), logs, 2*time.Minute)

	seller, buyer := newUser(t), newUser(t)
	tk := seller.sell(base, "make dev "+randHex(3), 15)
	o := buyer.order(base, tk.ID, converge)
	buyer.waitTicketOrder(base, tk.ID, o.ID, converge)

	nats.Restart(9 * time.Second) // the services lose NATS for good and exit
	began := time.Now()
	buyer.pay(base, o.ID, time.Minute)
	buyer.waitOrderStatus(base, o.ID, "complete", time.Minute)
	// A ticket sold after the outage reaches orders too.
	tk2 := sellRetrying(t, seller, base, "after "+randHex(3))
	buyer.order(base, tk2.ID, time.Minute)
	t.Logf("purchase completed %s after NATS came back", time.Since(began).Round(time.Millisecond))

	restarted := strings.Count(logs.String(), "part exited; restarting")
	t.Logf("devapp restarted parts %d time(s)", restarted)
	for _, part := range []string{"tickets", "orders", "payments", "expiration"} {
		if !strings.Contains(logs.String(), `msg="part exited; restarting" part=`+part) {
			t.Errorf("no restart of %s logged", part)
		}
	}
}
