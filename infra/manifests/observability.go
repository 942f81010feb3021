package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// CheckObservability checks the observability component in s: the OpenTelemetry Collector's
// Service, every app Deployment of apps exporting its traces to it
// (OTEL_EXPORTER_OTLP_ENDPOINT) and annotated for Prometheus to scrape GET /metrics on its
// http port, and the Grafana dashboard ConfigMap: labelled for Grafana's sidecar, valid JSON,
// every panel querying only metrics of known (the metric names the services register).
func CheckObservability(s Set, apps []string, known []string) error {
	var errs []error
	svc := s.Service("otel-collector")
	if svc == nil {
		errs = append(errs, errors.New("no Service otel-collector"))
	}
	for _, app := range apps {
		d := s.Deployment(app + "-depl")
		if d == nil {
			errs = append(errs, fmt.Errorf("no Deployment %s-depl", app))
			continue
		}
		c := Container{Workload: Workload{Kind: "Deployment", Name: d.Name}, Container: &d.Spec.Template.Spec.Containers[0]}
		if e, ok := c.Env("OTEL_EXPORTER_OTLP_ENDPOINT"); !ok {
			errs = append(errs, fmt.Errorf("%s: no OTEL_EXPORTER_OTLP_ENDPOINT: its traces go nowhere", c))
		} else if u, err := url.Parse(e.Value); err != nil || u.Hostname() != "otel-collector" || u.Port() != "4318" {
			errs = append(errs, fmt.Errorf("%s: OTEL_EXPORTER_OTLP_ENDPOINT=%s, want the collector's OTLP/HTTP port http://otel-collector:4318", c, e.Value))
		}
		a := d.Spec.Template.Annotations
		port := ""
		for _, p := range c.Container.Ports {
			if p.Name == "http" {
				port = strconv.Itoa(int(p.ContainerPort))
			}
		}
		if a["prometheus.io/scrape"] != "true" || a["prometheus.io/port"] != port || a["prometheus.io/path"] != "/metrics" {
			errs = append(errs, fmt.Errorf("%s: scrape annotations %v, want scrape=true, port=%s (http), path=/metrics", c, a, port))
		}
	}
	cm := s.ConfigMap("gittix-dashboard")
	if cm == nil {
		return errors.Join(append(errs, errors.New("no ConfigMap gittix-dashboard"))...)
	}
	if cm.Labels["grafana_dashboard"] != "1" {
		errs = append(errs, errors.New("ConfigMap gittix-dashboard: no label grafana_dashboard=1 (Grafana's sidecar would not load it)"))
	}
	return errors.Join(append(errs, checkDashboard(cm.Data["gittix-dashboard.json"], known))...)
}

// promFuncs are the PromQL words the dashboard's queries use that are not metrics.
var promFuncs = []string{"sum", "by", "rate", "histogram_quantile", "max", "min", "avg", "le", "without", "irate", "increase"}

var promIdent = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

// checkDashboard parses a Grafana dashboard and checks that each panel has queries and that
// every metric they name is in known (a histogram by its _bucket, _count or _sum series; Go
// runtime and process metrics by their prefix).
func checkDashboard(raw string, known []string) error {
	var d struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if len(d.Panels) == 0 {
		return errors.New("dashboard: no panels")
	}
	var errs []error
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			errs = append(errs, fmt.Errorf("dashboard panel %q: no queries", p.Title))
		}
		for _, t := range p.Targets {
			// Label matchers, strings, label lists and durations are not metric names.
			expr := regexp.MustCompile(`\{[^}]*\}|"[^"]*"|\[[^\]]*\]|by \([^)]*\)`).ReplaceAllString(t.Expr, " ")
			for _, id := range promIdent.FindAllString(expr, -1) {
				if slices.Contains(promFuncs, id) || strings.HasPrefix(id, "go_") || strings.HasPrefix(id, "process_") {
					continue
				}
				base := id
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					base = strings.TrimSuffix(base, suffix)
				}
				if !slices.Contains(known, id) && !slices.Contains(known, base) {
					errs = append(errs, fmt.Errorf("dashboard panel %q: %s is no metric the services export", p.Title, id))
				}
			}
		}
	}
	return errors.Join(errs...)
}
