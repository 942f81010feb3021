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
	tests := []struct {
		name      string
		env       map[string]string
		wantAddr  string // Redis address
		wantDB    int
		wantErrs  []string // every one must be named in the error
		wantPort  string
		wantNoErr bool
	}{
		{
			name:     "redis url",
			env:      map[string]string{"NATS_URL": "nats://n:4222", "REDIS_URL": "redis://r:6380/3"},
			wantAddr: "r:6380", wantDB: 3, wantPort: "3000", wantNoErr: true,
		},
		{
			name:     "redis host with port",
			env:      map[string]string{"NATS_URL": "nats://n:4222", "REDIS_HOST": "expiration-redis-srv:6379", "PORT": "4000"},
			wantAddr: "expiration-redis-srv:6379", wantPort: "4000", wantNoErr: true,
		},
		{
			name:     "redis host and port",
			env:      map[string]string{"NATS_URL": "nats://n:4222", "REDIS_HOST": "r", "REDIS_PORT": "7000"},
			wantAddr: "r:7000", wantPort: "3000", wantNoErr: true,
		},
		{
			name:     "redis host, default port",
			env:      map[string]string{"NATS_URL": "nats://n:4222", "REDIS_HOST": "r"},
			wantAddr: "r:6379", wantPort: "3000", wantNoErr: true,
		},
		{
			name:     "nothing set: every missing variable named",
			env:      map[string]string{},
			wantErrs: []string{"NATS_URL", "REDIS_URL or REDIS_HOST"},
		},
		{
			name:     "bad values",
			env:      map[string]string{"NATS_URL": "nats://n:4222", "REDIS_URL": "http://r", "PORT": "x"},
			wantErrs: []string{"REDIS_URL", "PORT"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(env(tc.env))
			if tc.wantNoErr {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if got := cfg.Redis.Addr; got != tc.wantAddr {
					t.Errorf("redis addr = %q, want %q", got, tc.wantAddr)
				}
				if got := cfg.Redis.DB; got != tc.wantDB {
					t.Errorf("redis db = %d, want %d", got, tc.wantDB)
				}
				if got, want := cfg.Addr, ":"+tc.wantPort; got != want {
					t.Errorf("addr = %q, want %q", got, want)
				}
				if got, want := cfg.Bus.ClusterID, "ticketing"; got != want {
					t.Errorf("cluster id = %q, want %q", got, want)
				}
				if !strings.HasPrefix(cfg.Bus.ClientID, "expiration-") {
					t.Errorf("client id = %q, want prefix expiration-", cfg.Bus.ClientID)
				}
				return
			}
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
