//go:build integration

package app_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/testenv"
)

// BenchmarkExpirationLag schedules 1000 expirations due over 2 s, a few
// seconds ahead, and reports the lag from each order's expiresAt to its
// expiration:complete being seen on the channel (issue 6: p99 ≤ 1 s).
//
//	go test -tags=integration -run '^$' -bench ExpirationLag -benchtime 1x ./app/
func BenchmarkExpirationLag(b *testing.B) {
	const orders = 1000
	natsURL, cluster := testenv.NATS(b)
	redisURL, _ := redisURL(b)
	start(b, map[string]string{"NATS_URL": natsURL, "NATS_CLUSTER_ID": cluster, "REDIS_URL": redisURL})
	conn := bustest.Connect(b, natsURL, cluster)
	rec := recordExpirations(b, conn)

	var lags []time.Duration
	for b.Loop() {
		ids := make([]string, orders)
		due := make([]time.Time, orders)
		first := time.Now().Add(3 * time.Second)
		for i := range orders {
			ids[i] = newOrderID()
			due[i] = first.Add(time.Duration(i) * 2 * time.Second / orders)
		}
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := w; i < orders; i += 16 {
					publishOrderCreated(b, conn, ids[i], due[i])
				}
			})
		}
		wg.Wait()
		if time.Now().After(first) {
			b.Fatal("publishing took longer than the lead time; lags would be skewed")
		}
		for i, id := range ids {
			seen := rec.wait(b, id, 30*time.Second)
			lags = append(lags, seen.Sub(due[i]))
		}
	}
	slices.Sort(lags)
	pct := func(p float64) float64 {
		return float64(lags[int(p*float64(len(lags)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-lag-ms")
	b.ReportMetric(pct(0.99), "p99-lag-ms")
	b.ReportMetric(pct(1), "max-lag-ms")
	b.ReportMetric(pct(0), "min-lag-ms")
	if lags[0] < 0 {
		b.Errorf("an expiration was published %v before its expiresAt", -lags[0])
	}
}
