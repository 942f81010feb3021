// Package config reads the auth service's configuration from the
// environment. It is the only reader of environment variables.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Config is the auth service's configuration.
type Config struct {
	JWTKey          string        // JWT_KEY, required
	MongoURI        string        // MONGO_URI, required; the database is the URI's path, else "auth"
	Host            string        // HOST, the listen address; default "" (all interfaces, as in a pod)
	Port            string        // PORT, default 3000
	TokenTTL        time.Duration // TOKEN_TTL, a Go duration; default 24h
	CookieSecure    bool          // COOKIE_SECURE, default false (plain-HTTP development)
	CookieName      string        // SESSION_COOKIE_NAME, default "session"
	ShutdownTimeout time.Duration // how long in-flight requests get on SIGTERM
	// SignInMaxFailures failed sign-ins for one email within
	// SignInFailureWindow throttle that email (429) until the window has
	// passed: SIGNIN_MAX_FAILURES, default 10; SIGNIN_FAILURE_WINDOW, a Go
	// duration, default 15m.
	SignInMaxFailures   int64
	SignInFailureWindow time.Duration
}

// Load reads the configuration, reporting every missing or malformed
// variable at once, each by name.
func Load(getenv func(string) string) (Config, error) {
	cfg := Config{
		JWTKey:          getenv("JWT_KEY"),
		MongoURI:        getenv("MONGO_URI"),
		Host:            getenv("HOST"),
		Port:            cmp.Or(getenv("PORT"), "3000"),
		TokenTTL:        24 * time.Hour,
		CookieName:      cmp.Or(getenv("SESSION_COOKIE_NAME"), "session"),
		ShutdownTimeout: 10 * time.Second,

		SignInMaxFailures:   10,
		SignInFailureWindow: 15 * time.Minute,
	}
	var errs []error
	if cfg.JWTKey == "" {
		errs = append(errs, errors.New("JWT_KEY must be set"))
	}
	if cfg.MongoURI == "" {
		errs = append(errs, errors.New("MONGO_URI must be set"))
	}
	if p, err := strconv.Atoi(cfg.Port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("PORT must be a port number, got %q", cfg.Port))
	}
	if v := getenv("TOKEN_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("TOKEN_TTL must be a positive Go duration such as 24h, got %q", v))
		}
		cfg.TokenTTL = d
	}
	if v := getenv("COOKIE_SECURE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("COOKIE_SECURE must be true or false, got %q", v))
		}
		cfg.CookieSecure = b
	}
	if v := getenv("SIGNIN_MAX_FAILURES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("SIGNIN_MAX_FAILURES must be a positive whole number, got %q", v))
		}
		cfg.SignInMaxFailures = n
	}
	if v := getenv("SIGNIN_FAILURE_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("SIGNIN_FAILURE_WINDOW must be a positive Go duration such as 15m, got %q", v))
		}
		cfg.SignInFailureWindow = d
	}
	if err := (&http.Cookie{Name: cfg.CookieName, Value: "x"}).Valid(); err != nil {
		errs = append(errs, fmt.Errorf("SESSION_COOKIE_NAME is not a valid cookie name: %q", cfg.CookieName))
	}
	return cfg, errors.Join(errs...)
}
