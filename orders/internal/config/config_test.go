package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/orders/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	t.Parallel()
	full := map[string]string{"JWT_KEY": "k", "MONGO_URI": "mongodb://x", "NATS_URL": "nats://x"}
	cfg, err := config.Load(env(full))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := cfg.Addr(), ":3000"; got != want {
		t.Errorf("Addr = %q, want %q", got, want)
	}
	if got, want := cfg.ExpirationWindow, 900*time.Second; got != want {
		t.Errorf("ExpirationWindow = %v, want %v", got, want)
	}
	if got, want := cfg.NATSClusterID, "ticketing"; got != want {
		t.Errorf("NATSClusterID = %q, want %q", got, want)
	}
	if !strings.HasPrefix(cfg.NATSClientID, "orders-") {
		t.Errorf("NATSClientID = %q, want prefix orders-", cfg.NATSClientID)
	}

	full["HOST"], full["PORT"], full["EXPIRATION_WINDOW_SECONDS"], full["NATS_CLIENT_ID"] = "127.0.0.1", "4000", "60", "orders-pod-1"
	cfg, err = config.Load(env(full))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := cfg.Addr(), "127.0.0.1:4000"; got != want {
		t.Errorf("Addr = %q, want %q", got, want)
	}
	if got, want := cfg.ExpirationWindow, time.Minute; got != want {
		t.Errorf("ExpirationWindow = %v, want %v", got, want)
	}
	if got, want := cfg.NATSClientID, "orders-pod-1"; got != want {
		t.Errorf("NATSClientID = %q, want %q", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"all missing", nil, []string{"JWT_KEY", "MONGO_URI", "NATS_URL"}},
		{"bad window", map[string]string{"JWT_KEY": "k", "MONGO_URI": "m", "NATS_URL": "n", "EXPIRATION_WINDOW_SECONDS": "0"}, []string{"EXPIRATION_WINDOW_SECONDS"}},
		{"word window", map[string]string{"JWT_KEY": "k", "MONGO_URI": "m", "NATS_URL": "n", "EXPIRATION_WINDOW_SECONDS": "soon"}, []string{"EXPIRATION_WINDOW_SECONDS"}},
		{"bad port", map[string]string{"JWT_KEY": "k", "MONGO_URI": "m", "NATS_URL": "n", "PORT": "http"}, []string{"PORT"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tc.env))
			if err == nil {
				t.Fatal("Load: got nil error")
			}
			for _, name := range tc.want {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
		})
	}
}
