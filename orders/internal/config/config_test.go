package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/orders/internal/config"
)

const key = "0123456789abcdef0123456789abcdef" // 32 bytes

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	t.Parallel()
	full := map[string]string{"JWT_KEY": key, "MONGO_URI": "mongodb://x", "NATS_URL": "nats://x"}
	cfg, err := config.Load(env(full))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := cfg.Addr, ":3000"; got != want {
		t.Errorf("Addr = %q, want %q", got, want)
	}
	if got, want := cfg.ExpirationWindow, 900*time.Second; got != want {
		t.Errorf("ExpirationWindow = %v, want %v", got, want)
	}
	if got, want := cfg.MaxOpenOrders, 5; got != want {
		t.Errorf("MaxOpenOrders = %d, want %d", got, want)
	}
	if got, want := cfg.Bus.ClusterID, "ticketing"; got != want {
		t.Errorf("Bus.ClusterID = %q, want %q", got, want)
	}
	if got, want := cfg.Bus.MaxDeliveries, 10; got != want {
		t.Errorf("Bus.MaxDeliveries = %d, want %d", got, want)
	}
	if !strings.HasPrefix(cfg.Bus.ClientID, "orders-") {
		t.Errorf("Bus.ClientID = %q, want prefix orders-", cfg.Bus.ClientID)
	}

	full["HOST"], full["PORT"], full["EXPIRATION_WINDOW_SECONDS"], full["NATS_CLIENT_ID"] = "127.0.0.1", "4000", "60", "orders-pod-1"
	full["MAX_OPEN_ORDERS"] = "2"
	cfg, err = config.Load(env(full))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := cfg.Addr, "127.0.0.1:4000"; got != want {
		t.Errorf("Addr = %q, want %q", got, want)
	}
	if got, want := cfg.ExpirationWindow, time.Minute; got != want {
		t.Errorf("ExpirationWindow = %v, want %v", got, want)
	}
	if got, want := cfg.Bus.ClientID, "orders-pod-1"; got != want {
		t.Errorf("Bus.ClientID = %q, want %q", got, want)
	}
	if got, want := cfg.MaxOpenOrders, 2; got != want {
		t.Errorf("MaxOpenOrders = %d, want %d", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	ok := func(extra ...string) map[string]string {
		m := map[string]string{"JWT_KEY": key, "MONGO_URI": "m", "NATS_URL": "n"}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"all missing", nil, []string{"JWT_KEY", "MONGO_URI", "NATS_URL"}},
		{"bad window", ok("EXPIRATION_WINDOW_SECONDS", "0"), []string{"EXPIRATION_WINDOW_SECONDS"}},
		{"word window", ok("EXPIRATION_WINDOW_SECONDS", "soon"), []string{"EXPIRATION_WINDOW_SECONDS"}},
		{"bad port", ok("PORT", "http"), []string{"PORT"}},
		{"short key", ok("JWT_KEY", "k"), []string{"JWT_KEY must be at least 32 bytes"}},
		{"zero cap", ok("MAX_OPEN_ORDERS", "0"), []string{"MAX_OPEN_ORDERS"}},
		{"word cap", ok("MAX_OPEN_ORDERS", "many"), []string{"MAX_OPEN_ORDERS"}},
		{"bad deliveries", ok("BUS_MAX_DELIVERIES", "-1"), []string{"BUS_MAX_DELIVERIES"}},
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
