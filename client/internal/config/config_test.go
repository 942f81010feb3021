package config_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/gittix/ticketing/client/internal/config"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // substrings of the error; none: loads
		check   func(t *testing.T, c config.Config)
	}{
		{
			name: "defaults",
			env:  map[string]string{"API_BASE_URL": "http://127.0.0.1:8080/"},
			check: func(t *testing.T, c config.Config) {
				if got, want := c.Addr(), ":3000"; got != want {
					t.Errorf("Addr() = %q, want %q", got, want)
				}
				if got, want := c.APIBaseURL, "http://127.0.0.1:8080"; got != want {
					t.Errorf("APIBaseURL = %q, want %q (trailing slash trimmed)", got, want)
				}
				if c.APIHost != "" || c.StripePublishableKey != "" {
					t.Errorf("optional settings = %q, %q; want empty", c.APIHost, c.StripePublishableKey)
				}
			},
		},
		{
			name: "everything set",
			env: map[string]string{"HOST": "127.0.0.1", "PORT": "4000", "API_BASE_URL": "http://ingress.local",
				"API_HOST": "ticketing.dev", "STRIPE_PUBLISHABLE_KEY": "pk_test_123"},
			check: func(t *testing.T, c config.Config) {
				if got, want := c.Addr(), "127.0.0.1:4000"; got != want {
					t.Errorf("Addr() = %q, want %q", got, want)
				}
				if c.APIHost != "ticketing.dev" || c.StripePublishableKey != "pk_test_123" {
					t.Errorf("APIHost, key = %q, %q", c.APIHost, c.StripePublishableKey)
				}
			},
		},
		{
			name: "every API service in the cluster, no edge",
			env: map[string]string{"AUTH_API_URL": "http://auth-srv:3000/", "TICKETS_API_URL": "http://tickets-srv:3000",
				"ORDERS_API_URL": "http://orders-srv:3000", "PAYMENTS_API_URL": "http://payments-srv:3000"},
			check: func(t *testing.T, c config.Config) {
				want := map[string]string{"/api/users": "http://auth-srv:3000", "/api/tickets": "http://tickets-srv:3000",
					"/api/orders": "http://orders-srv:3000", "/api/payments": "http://payments-srv:3000"}
				if !maps.Equal(c.APIServices, want) || c.APIBaseURL != "" {
					t.Errorf("APIServices = %v, APIBaseURL = %q; want %v and none", c.APIServices, c.APIBaseURL, want)
				}
			},
		},
		{
			name:    "some API services and no edge",
			env:     map[string]string{"AUTH_API_URL": "http://auth-srv:3000"},
			wantErr: []string{"API_BASE_URL must be set (or every one of AUTH_API_URL"},
		},
		{
			name:    "an API service that is not a URL",
			env:     map[string]string{"API_BASE_URL": "http://ingress.local", "ORDERS_API_URL": "orders-srv:3000"},
			wantErr: []string{"ORDERS_API_URL must be an http(s) URL"},
		},
		{name: "nothing set", env: map[string]string{}, wantErr: []string{"API_BASE_URL must be set"}},
		{
			name:    "Stripe.js from plain HTTP",
			env:     map[string]string{"API_BASE_URL": "http://ingress.local", "STRIPE_JS_URL": "http://js.example/v3/"},
			wantErr: []string{"STRIPE_JS_URL must be an https URL or a path of this site"},
		},
		{name: "not a URL", env: map[string]string{"API_BASE_URL": "127.0.0.1:8080"}, wantErr: []string{"API_BASE_URL must be an http(s) URL"}},
		{
			name:    "all problems at once",
			env:     map[string]string{"PORT": "http", "STRIPE_PUBLISHABLE_KEY": "sk_live_secret"},
			wantErr: []string{"PORT must be a port number", "API_BASE_URL must be set", "STRIPE_PUBLISHABLE_KEY must be a publishable key"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load(func(k string) string { return tc.env[k] })
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				tc.check(t, cfg)
				return
			}
			if err == nil {
				t.Fatalf("Load succeeded, want errors %q", tc.wantErr)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "sk_live_secret") {
				t.Errorf("error %q leaks the key", err)
			}
		})
	}
}
