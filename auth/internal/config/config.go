// Package config reads the auth service's configuration from the
// environment. It is the only reader of environment variables.
package config

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"
)

// Config is the auth service's configuration.
type Config struct {
	JWTKey          []byte        // JWT_KEY, required, at least auth.MinKeyLen bytes
	MongoURI        string        // MONGO_URI, required; the database is the URI's path, else "auth"
	Bus             bus.Config    // BUS, NATS_URL (required), NATS_CLUSTER_ID, NATS_CLIENT_ID: user:created goes out on it
	Addr            string        // HOST (default: every interface, as in a pod) and PORT (3000)
	TokenTTL        time.Duration // TOKEN_TTL, a Go duration; default 24h
	CookieSecure    bool          // COOKIE_SECURE, default false (plain-HTTP development)
	CookieName      string        // SESSION_COOKIE_NAME, default "session"
	ShutdownTimeout time.Duration // how long in-flight requests get on SIGTERM
	// SignInMaxFailures failed sign-ins for one email within
	// SignInFailureWindow are allowed at once; after them, each attempt
	// waits a delay that doubles with every failure (SIGNIN_MAX_FAILURES,
	// default 10; SIGNIN_FAILURE_WINDOW, a Go duration, default 15m).
	SignInMaxFailures   int64
	SignInFailureWindow time.Duration
	// SignInMaxPasswordFailures failed sign-ins with one password, across
	// any emails (password spraying), start the same delays for that
	// password (SIGNIN_MAX_PASSWORD_FAILURES, default 20).
	SignInMaxPasswordFailures int64
	// SignUpsPerMinute bounds the sign-ups of every replica together
	// (SIGNUPS_PER_MINUTE, default 60).
	SignUpsPerMinute int64
	// Admins are the emails of the users who may ban others (ADMIN_EMAILS,
	// comma-separated; normalised; none by default).
	Admins []string
}

// Load reads the configuration, reporting every missing or malformed
// variable at once, each by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		JWTKey:          r.Secret("JWT_KEY", auth.MinKeyLen),
		MongoURI:        r.Required("MONGO_URI"),
		Bus:             bus.ConfigFrom(r, "auth"),
		Addr:            r.Addr("3000"),
		TokenTTL:        r.Duration("TOKEN_TTL", 24*time.Hour),
		CookieSecure:    r.Bool("COOKIE_SECURE", false),
		CookieName:      r.String("SESSION_COOKIE_NAME", "session"),
		ShutdownTimeout: 10 * time.Second,

		SignInMaxFailures:   int64(r.Int("SIGNIN_MAX_FAILURES", 10)),
		SignInFailureWindow: r.Duration("SIGNIN_FAILURE_WINDOW", 15*time.Minute),
		SignUpsPerMinute:    int64(r.Int("SIGNUPS_PER_MINUTE", 60)),

		SignInMaxPasswordFailures: int64(r.Int("SIGNIN_MAX_PASSWORD_FAILURES", 20)),
	}
	for _, e := range strings.Split(r.String("ADMIN_EMAILS", ""), ",") {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			cfg.Admins = append(cfg.Admins, e)
		}
	}
	if err := (&http.Cookie{Name: cfg.CookieName, Value: "x"}).Valid(); err != nil {
		r.Fail(fmt.Errorf("SESSION_COOKIE_NAME is not a valid cookie name: %q", cfg.CookieName))
	}
	return cfg, r.Err()
}
