package config_test

import (
	"strings"
	"testing"

	"github.com/gittix/ticketing/expiration/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	t.Parallel()
	nats := "nats://n:4222"
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantAddr string // Redis address
		wantDB   int
		wantPort string
	}{
		{"redis url", map[string]string{"NATS_URL": nats, "REDIS_URL": "redis://r:6380/3"}, "r:6380", 3, "3000"},
		{"redis host with port", map[string]string{"NATS_URL": nats, "REDIS_HOST": "expiration-redis-srv:6379", "PORT": "4000"},
			"expiration-redis-srv:6379", 0, "4000"},
		{"redis host and port", map[string]string{"NATS_URL": nats, "REDIS_HOST": "r", "REDIS_PORT": "7000"}, "r:7000", 0, "3000"},
		{"redis host, default port", map[string]string{"NATS_URL": nats, "REDIS_HOST": "r"}, "r:6379", 0, "3000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(env(tc.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.Redis.Addr != tc.wantAddr || cfg.Redis.DB != tc.wantDB {
				t.Errorf("redis addr, db = %q, %d; want %q, %d", cfg.Redis.Addr, cfg.Redis.DB, tc.wantAddr, tc.wantDB)
			}
			if got, want := cfg.Addr, ":"+tc.wantPort; got != want {
				t.Errorf("addr = %q, want %q", got, want)
			}
			if cfg.Bus.URL != nats || cfg.Bus.ClusterID != "ticketing" || !strings.HasPrefix(cfg.Bus.ClientID, "expiration-") {
				t.Errorf("bus = %+v, want %s, cluster ticketing, a client id expiration-…", cfg.Bus, nats)
			}
		})
	}
}

// TestLoadErrors: every missing or bad variable is named at once.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantErrs []string // every one must be named in the error
	}{
		{"nothing set", map[string]string{}, []string{"NATS_URL", "REDIS_URL or REDIS_HOST"}},
		{"bad values", map[string]string{"NATS_URL": "nats://n:4222", "REDIS_URL": "http://r", "PORT": "x"}, []string{"REDIS_URL", "PORT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(tc.env))
			if err == nil {
				t.Fatal("Load: no error, want one")
			}
			for _, name := range tc.wantErrs {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
		})
	}
}
