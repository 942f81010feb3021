package config_test

import (
	"strings"
	"testing"

	"github.com/gittix/ticketing/payments/internal/config"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	full := map[string]string{
		"JWT_KEY": "payments-config-test-key-0123456789", "MONGO_URI": "mongodb://m:27017/payments", "NATS_URL": "nats://n:4222",
		"STRIPE_KEY": "sk_test_123", "STRIPE_API_BASE": "http://127.0.0.1:12111",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name     string
		env      map[string]string
		wantErrs []string // every one must be named in the error; none: no error
	}{
		{name: "complete", env: full},
		{name: "stripe api base is optional", env: with("STRIPE_API_BASE", "")},
		{name: "nothing set", env: map[string]string{}, wantErrs: []string{"JWT_KEY", "MONGO_URI", "NATS_URL", "STRIPE_KEY"}},
		{name: "no stripe key", env: with("STRIPE_KEY", ""), wantErrs: []string{"STRIPE_KEY"}},
		{name: "bad stripe api base", env: with("STRIPE_API_BASE", "localhost:12111"), wantErrs: []string{"STRIPE_API_BASE"}},
		{name: "bad port", env: with("PORT", "http"), wantErrs: []string{"PORT"}},
		{name: "short JWT key", env: with("JWT_KEY", "short"), wantErrs: []string{"JWT_KEY must be at least 32 bytes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(func(k string) string { return tc.env[k] })
			if len(tc.wantErrs) == 0 {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				if got, want := cfg.Addr, ":3000"; got != want {
					t.Errorf("addr = %q, want %q", got, want)
				}
				if got, want := cfg.Bus.ClusterID, "ticketing"; got != want {
					t.Errorf("cluster id = %q, want %q", got, want)
				}
				if !strings.HasPrefix(cfg.Bus.ClientID, "payments-") {
					t.Errorf("client id = %q, want prefix payments-", cfg.Bus.ClientID)
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
