package config_test

import (
	"strings"
	"testing"

	"github.com/gittix/ticketing/tickets/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{"JWT_KEY": "k", "MONGO_URI": "mongodb://x", "NATS_URL": "nats://y"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Port != "3000" || cfg.NATSClusterID != "ticketing" || !strings.HasPrefix(cfg.NATSClientID, "tickets-") || cfg.Host != "" {
		t.Errorf("defaults = %+v, want port 3000, cluster ticketing, client id tickets-…, all interfaces", cfg)
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

func TestLoadOverrides(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{
		"JWT_KEY": "k", "MONGO_URI": "mongodb://x", "NATS_URL": "nats://y",
		"HOST": "127.0.0.1", "PORT": "4000", "NATS_CLUSTER_ID": "c", "NATS_CLIENT_ID": "pod-1",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if cfg.Host != "127.0.0.1" || cfg.Port != "4000" || cfg.NATSClusterID != "c" || cfg.NATSClientID != "pod-1" {
		t.Errorf("cfg = %+v", cfg)
	}
}
