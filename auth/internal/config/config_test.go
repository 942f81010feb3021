package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/bus"
)

func vars(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Load(vars(map[string]string{"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "mongodb://127.0.0.1/auth",
		"NATS_URL": "nats://127.0.0.1:4222"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bus.URL != "nats://127.0.0.1:4222" || cfg.Bus.Service != "auth" || !strings.HasPrefix(cfg.Bus.ClientID, "auth-") {
		t.Errorf("Bus = %+v, want NATS_URL, service auth, a client id of its own", cfg.Bus)
	}
	cfg.Bus = bus.Config{}
	want := Config{JWTKey: []byte("auth-config-test-key-0123456789abcdef"), MongoURI: "mongodb://127.0.0.1/auth", Addr: ":3000", TokenTTL: 24 * time.Hour,
		CookieName: "session", ShutdownTimeout: 10 * time.Second,
		SignInMaxFailures: 10, SignInFailureWindow: 15 * time.Minute, SignUpsPerMinute: 60, SignInMaxPasswordFailures: 20}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load = %+v, want %+v", cfg, want)
	}
}

func TestLoadAll(t *testing.T) {
	t.Parallel()
	cfg, err := Load(vars(map[string]string{
		"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "mongodb://m", "NATS_URL": "nats://n:4222", "HOST": "127.0.0.1", "PORT": "4001",
		"TOKEN_TTL": "90m", "COOKIE_SECURE": "true", "SESSION_COOKIE_NAME": "sid",
		"SIGNIN_MAX_FAILURES": "5", "SIGNIN_FAILURE_WINDOW": "1h",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:4001" || cfg.TokenTTL != 90*time.Minute || !cfg.CookieSecure || cfg.CookieName != "sid" ||
		cfg.SignInMaxFailures != 5 || cfg.SignInFailureWindow != time.Hour {
		t.Errorf("Load = %+v, want every variable applied", cfg)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string // names the error must mention
	}{
		{"nothing set", nil, []string{"JWT_KEY", "MONGO_URI", "NATS_URL"}},
		{"no key", map[string]string{"MONGO_URI": "mongodb://m"}, []string{"JWT_KEY"}},
		{"short key", map[string]string{"JWT_KEY": "k", "MONGO_URI": "mongodb://m"}, []string{"JWT_KEY must be at least 32 bytes"}},
		{"bad values", map[string]string{"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "m", "PORT": "http",
			"TOKEN_TTL": "1 day", "COOKIE_SECURE": "yes please", "SESSION_COOKIE_NAME": "a b"},
			[]string{"PORT", "TOKEN_TTL", "COOKIE_SECURE", "SESSION_COOKIE_NAME"}},
		{"negative ttl", map[string]string{"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "m", "TOKEN_TTL": "-1h"}, []string{"TOKEN_TTL"}},
		{"bad throttle", map[string]string{"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "m", "SIGNIN_MAX_FAILURES": "0", "SIGNIN_FAILURE_WINDOW": "forever"},
			[]string{"SIGNIN_MAX_FAILURES", "SIGNIN_FAILURE_WINDOW"}},
		{"negative throttle", map[string]string{"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "m", "SIGNIN_MAX_FAILURES": "-3", "SIGNIN_FAILURE_WINDOW": "-1m"},
			[]string{"SIGNIN_MAX_FAILURES", "SIGNIN_FAILURE_WINDOW"}},
		{"bad limits", map[string]string{"JWT_KEY": "auth-config-test-key-0123456789abcdef", "MONGO_URI": "m", "SIGNUPS_PER_MINUTE": "0", "SIGNIN_MAX_PASSWORD_FAILURES": "many"},
			[]string{"SIGNUPS_PER_MINUTE", "SIGNIN_MAX_PASSWORD_FAILURES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(vars(tt.env))
			if err == nil {
				t.Fatalf("Load = nil error, want one naming %v", tt.want)
			}
			for _, name := range tt.want {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
		})
	}
}
