package telemetry

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// HTTP wraps a service's handler: a server span per request (otelhttp,
// continuing the caller's traceparent) named by the chi route pattern, the
// request counted and timed by route, method and status, and GET /metrics
// answered with the service's metrics — to a direct caller only (the
// Prometheus scrape): a request that came through a proxy (the edge adds
// X-Forwarded-For or Forwarded) is handed to h like any other path, so the
// client, whose every path the edge routes, does not publish its metrics.
// The probes are not traced.
func HTTP(service string, h http.Handler) http.Handler {
	m := For(service)
	metrics := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && r.Method == http.MethodGet &&
			r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == "" {
			metrics.ServeHTTP(w, r)
			return
		}
		// chi fills a route context it finds in the request instead of
		// making its own: the matched pattern is readable here afterwards.
		rctx := chi.NewRouteContext()
		r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rctx))
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		begin := time.Now()
		h.ServeHTTP(sw, r)
		route := rctx.RoutePattern()
		if route == "" {
			// A net/http ServeMux (the client's) sets the request's Pattern
			// ("GET /tickets/{id}"), on this request when nothing between
			// copied it.
			_, route, _ = strings.Cut(r.Pattern, " ")
			route = cmp.Or(route, r.Pattern, "unmatched")
		}
		method := knownMethod(r.Method)
		span := trace.SpanFromContext(r.Context())
		span.SetName(method + " " + route)
		span.SetAttributes(ServiceKey.String(service), attribute.String("http.route", route))
		m.Requests.WithLabelValues(route, method, strconv.Itoa(sw.code)).Inc()
		m.Duration.WithLabelValues(route, method).Observe(time.Since(begin).Seconds())
	})
	return otelhttp.NewHandler(inner, service, otelhttp.WithPropagators(traceContext), otelhttp.WithFilter(func(r *http.Request) bool {
		return r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics"
	}))
}

// Transport is base (http.DefaultTransport when nil) with a client span per
// request that sends the traceparent along: for the client's API calls and
// the Stripe calls.
func Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return otelhttp.NewTransport(base, otelhttp.WithPropagators(traceContext), otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return knownMethod(r.Method) + " " + r.URL.Host
	}))
}

// knownMethod bounds the method label: anything unusual is "OTHER".
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
