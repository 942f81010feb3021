// Package config loads the web client's configuration from the environment.
// It is the only code of the client that reads env vars.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gittix/ticketing/common/env"
)

// Config is the client's configuration.
type Config struct {
	Host string // interface to bind; empty: all interfaces (in a pod)
	Port string // default 3000

	// APIBaseURL is where the API is reached: the ingress (or the dev gateway),
	// e.g. http://127.0.0.1:8080. Required unless every API prefix has its
	// own URL in APIServices.
	APIBaseURL string
	// APIHost, when set, is sent as the Host header of requests to APIBaseURL,
	// so the ingress routes them by its host rule (e.g. ticketing.dev).
	APIHost string
	// APIServices maps an API path prefix to the URL of the service that
	// serves it, called directly instead of through APIBaseURL: in a
	// cluster, the in-cluster Service (AUTH_API_URL=http://auth-srv:3000, …),
	// so the client never goes out to the public edge and back.
	APIServices map[string]string
	// StripePublishableKey, when set, makes the pay control collect a card
	// with Stripe.js; without it the client pays with the test token tok_visa.
	StripePublishableKey string
	// StripeJS is where Stripe.js is loaded from (STRIPE_JS_URL): an https
	// URL, or a path of this site (make dev's stand-in); default Stripe's.
	StripeJS string

	APITimeout      time.Duration
	ShutdownTimeout time.Duration
}

// Addr is the address the HTTP server listens on.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, c.Port) }

// APIServiceVars are the variables naming one API service's own URL, with
// the path prefix it serves (SPEC §1).
var APIServiceVars = []struct{ Var, Prefix, Example string }{
	{"AUTH_API_URL", "/api/users", "auth-srv"},
	{"TICKETS_API_URL", "/api/tickets", "tickets-srv"},
	{"ORDERS_API_URL", "/api/orders", "orders-srv"},
	{"PAYMENTS_API_URL", "/api/payments", "payments-srv"},
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		Host:                 r.String("HOST", ""),
		Port:                 r.Port("PORT", "3000"),
		APIBaseURL:           strings.TrimRight(r.String("API_BASE_URL", ""), "/"),
		APIHost:              r.String("API_HOST", ""),
		StripePublishableKey: r.String("STRIPE_PUBLISHABLE_KEY", ""),
		StripeJS:             r.String("STRIPE_JS_URL", ""),
		APIServices:          map[string]string{},
		APITimeout:           5 * time.Second,
		ShutdownTimeout:      10 * time.Second,
	}
	for _, s := range APIServiceVars {
		v := strings.TrimRight(r.String(s.Var, ""), "/")
		switch {
		case v == "":
		case !isHTTPURL(v):
			r.Fail(fmt.Errorf("%s must be an http(s) URL such as http://%s:3000, got %q", s.Var, s.Example, v))
		default:
			cfg.APIServices[s.Prefix] = v
		}
	}
	switch {
	case cfg.APIBaseURL == "" && len(cfg.APIServices) < len(APIServiceVars):
		r.Fail(errors.New("API_BASE_URL must be set (or every one of AUTH_API_URL, TICKETS_API_URL, ORDERS_API_URL, PAYMENTS_API_URL)"))
	case cfg.APIBaseURL != "" && !isHTTPURL(cfg.APIBaseURL):
		r.Fail(fmt.Errorf("API_BASE_URL must be an http(s) URL such as http://127.0.0.1:8080, got %q", cfg.APIBaseURL))
	}
	if js := cfg.StripeJS; js != "" && !strings.HasPrefix(js, "https://") && !strings.HasPrefix(js, "/") {
		r.Fail(fmt.Errorf("STRIPE_JS_URL must be an https URL or a path of this site, got %q", js))
	}
	// The key is sent to every browser: refuse a secret or restricted key
	// pasted here by mistake.
	if k := cfg.StripePublishableKey; k != "" && !strings.HasPrefix(k, "pk_") {
		r.Fail(errors.New("STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_…); never put a secret key here"))
	}
	return cfg, r.Err()
}
