package telemetry_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"

	"github.com/gittix/ticketing/common/telemetry"
)

// TestSetupExportsOverOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, a span
// reaches the collector's OTLP/HTTP endpoint, with the service's name, by
// the time shutdown returns. (Not parallel: it sets the environment and the
// global provider.)
func TestSetupExportsOverOTLP(t *testing.T) {
	var mu sync.Mutex
	var got [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/json" {
			mu.Lock()
			got = append(got, body)
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	prev := otel.GetTracerProvider()
	defer otel.SetTracerProvider(prev)

	shutdown, err := telemetry.Setup(context.Background(), "setup-test-service", func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	_, span := telemetry.Tracer().Start(context.Background(), "setup-test-span")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	all := bytes.Join(got, nil)
	if !bytes.Contains(all, []byte("setup-test-span")) || !bytes.Contains(all, []byte("setup-test-service")) {
		t.Errorf("the collector got %d exports without the span and service name", len(got))
	}
}

// TestSetupWithoutEndpointExportsNothing: no endpoint, no SDK provider.
func TestSetupWithoutEndpointExportsNothing(t *testing.T) {
	prev := otel.GetTracerProvider()
	shutdown, err := telemetry.Setup(context.Background(), "svc", func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != prev {
		t.Error("Setup without an endpoint replaced the global TracerProvider")
	}
	if err := shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}
