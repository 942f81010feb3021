package manifests

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

var observedApps = []string{"auth", "tickets", "orders", "expiration", "payments", "notifications", "client"}

// exportedMetrics returns the names of the Prometheus metrics the Go code of the repository
// registers (prometheus.*Opts{Name: …}, Metrics.Counter/Histogram, prometheus.NewDesc).
func exportedMetrics(t *testing.T) []string {
	t.Helper()
	decl := regexp.MustCompile(`(?:Name: |\.Counter\(|\.Histogram\(|NewDesc\()\s*"([a-z_:]+)"`)
	var names []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllSubmatch(src, -1) {
			names = append(names, string(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"http_requests_total", "orders_total", "outbox_pending_events", "expiration_lag_seconds"} {
		if !slices.Contains(names, want) {
			t.Fatalf("metric %s not found in the code (found %v): the scan is broken", want, names)
		}
	}
	return names
}

// observabilityFlows are the flows of the observability overlay: the app's, and every service
// to the collector.
func observabilityFlows() []Flow {
	out := slices.Clone(flows)
	for _, app := range observedApps {
		out = append(out, Flow{app + "-depl", "otel-collector", 4318})
	}
	return out
}

// TestObservabilityComponent renders prod with the observability component: every cross-check
// of prod holds (policies with the collector's flows and Prometheus's namespace, availability of
// the collector, pinned images), and CheckObservability.
func TestObservabilityComponent(t *testing.T) {
	t.Parallel()
	s := render(t, "infra/k8s-prod-observability")
	for name, err := range map[string]error{
		"workloads":         CheckWorkloads(s),
		"services":          CheckServices(s),
		"ingresses":         CheckIngresses(s),
		"secretKeyRefs":     CheckSecretRefs(s, Secrets),
		"network policies":  CheckNetworkPolicies(s, observabilityFlows(), ingressEdge, "monitoring"),
		"service addresses": CheckServiceAddresses(s),
		"client apis":       CheckClientAPIs(s, nil),
		"app containers":    CheckAppContainers(s, artifacts()),
		"images":            CheckImages(s, artifacts(), imagePrefix),
		"pinned images":     CheckPinnedImages(s, imagePrefix, true),
		"availability":      CheckAvailability(s),
		"observability":     CheckObservability(s, observedApps, exportedMetrics(t)),
	} {
		if err != nil {
			t.Errorf("%s:\n%v", name, err)
		}
	}
}

// TestBrokenObservability: the check fails on a copy whose service exports no traces, is not
// scraped, or whose dashboard queries a metric nobody exports.
func TestBrokenObservability(t *testing.T) {
	t.Parallel()
	known := exportedMetrics(t)
	for name, tc := range map[string]struct {
		breakIt func(s Set)
		want    string
	}{
		"no exporter": {func(s Set) {
			env := &s.Deployment("orders-depl").Spec.Template.Spec.Containers[0].Env
			*env = slices.DeleteFunc(*env, func(e corev1.EnvVar) bool { return e.Name == "OTEL_EXPORTER_OTLP_ENDPOINT" })
		}, "orders-depl"},
		"not scraped": {func(s Set) {
			delete(s.Deployment("payments-depl").Spec.Template.Annotations, "prometheus.io/scrape")
		}, "scrape annotations"},
		"misspelled metric": {func(s Set) {
			cm := s.ConfigMap("gittix-dashboard")
			cm.Data["gittix-dashboard.json"] = strings.Replace(cm.Data["gittix-dashboard.json"], "orders_total", "order_total", 1)
		}, "order_total is no metric"},
		"no sidecar label": {func(s Set) { delete(s.ConfigMap("gittix-dashboard").Labels, "grafana_dashboard") }, "grafana_dashboard"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := render(t, "infra/k8s-prod-observability")
			tc.breakIt(s)
			wantErr(t, CheckObservability(s, observedApps, known), tc.want)
		})
	}
}
