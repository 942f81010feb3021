package config_test

import (
	"strings"
	"testing"

	"github.com/gittix/ticketing/tickets/internal/config"
)

// key is a JWT_KEY of the least length allowed.
const key = "0123456789abcdef0123456789abcdef"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{"JWT_KEY": key, "MONGO_URI": "mongodb://x", "NATS_URL": "nats://y"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Addr != ":3000" || cfg.Bus.ClusterID != "ticketing" || !strings.HasPrefix(cfg.Bus.ClientID, "tickets-") {
		t.Errorf("defaults = %+v, want addr :3000 (all interfaces), cluster ticketing, client id tickets-…", cfg)
	}
	if got, want := cfg.TicketsPerHour, config.DefaultTicketsPerHour; got != want {
		t.Errorf("TicketsPerHour = %d, want %d", got, want)
	}
	if got, want := cfg.Bus.MaxDeliveries, 10; got != want {
		t.Errorf("Bus.MaxDeliveries = %d, want %d", got, want)
	}
}

func TestLoadReportsEveryMissingVariable(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{"PORT": "http"}))
	if err == nil {
		t.Fatal("Load with nothing set: no error")
	}
	for _, name := range []string{"JWT_KEY", "MONGO_URI", "NATS_URL", "PORT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	t.Parallel()
	_, err := config.Load(env(map[string]string{
		"JWT_KEY": "short", "MONGO_URI": "mongodb://x", "NATS_URL": "nats://y", "TICKETS_PER_HOUR": "0",
	}))
	if err == nil {
		t.Fatal("Load with a short key and a zero cap: no error")
	}
	for _, name := range []string{"JWT_KEY", "TICKETS_PER_HOUR"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestLoadOverrides(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{
		"JWT_KEY": key, "MONGO_URI": "mongodb://x", "NATS_URL": "nats://y",
		"HOST": "127.0.0.1", "PORT": "4000", "NATS_CLUSTER_ID": "c", "NATS_CLIENT_ID": "pod-1", "TICKETS_PER_HOUR": "7",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Addr != "127.0.0.1:4000" || cfg.Bus.ClusterID != "c" || cfg.Bus.ClientID != "pod-1" || cfg.TicketsPerHour != 7 {
		t.Errorf("cfg = %+v", cfg)
	}
}
