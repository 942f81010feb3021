// Package app wires the auth service together. Run is its whole life:
// main calls it, and so does `make dev`, which runs every service in one
// process (hence no globals, no default mux, no os.Getenv here).
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/auth/internal/config"
	"github.com/gittix/ticketing/auth/internal/httpapi"
	"github.com/gittix/ticketing/auth/internal/mongostore"
	"github.com/gittix/ticketing/auth/internal/password"
	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/outbox"
	"github.com/gittix/ticketing/common/web"
)

// QueueGroup is the queue group and durable name of the service's
// listeners (SPEC §8). Never rename it: a new name replays every channel.
const QueueGroup = "auth-service"

// Run loads the configuration from getenv, connects to MongoDB and the bus
// and serves HTTP until ctx is done; then in-flight requests finish (up to
// the shutdown timeout), the relay and the sweeper of expired sign-in
// counts stop, the bus closes and MongoDB is disconnected (lifecycle.Run's
// order).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return lifecycle.RunMongo(ctx, log, lifecycle.MongoService{
		Name: "auth", MongoURI: cfg.MongoURI, Bus: cfg.Bus, QueueGroup: QueueGroup,
		Addr: cfg.Addr, DrainTimeout: cfg.ShutdownTimeout,
		Build: func(ctx context.Context, o lifecycle.Opened) (lifecycle.Parts, error) {
			return NewParts(ctx, o.DB, o.Bus, log, cfg, o.Checks)
		},
	})
}

// NewParts wires the service on db: the API; the outbox relay that
// publishes user:created on pub; and the worker that deletes expired
// sign-in counts where the store has no TTL index.
func NewParts(ctx context.Context, db *mongo.Database, pub bus.Publisher, log *slog.Logger, cfg config.Config, checks map[string]web.Check) (lifecycle.Parts, error) {
	relay := outbox.NewRelay(db.Collection(mongostore.Collection), pub, log, 0)
	users, err := mongostore.NewUsers(ctx, db, relay)
	if err != nil {
		return lifecycle.Parts{}, err
	}
	failures, err := mongostore.NewSignInFailures(ctx, db)
	if err != nil {
		return lifecycle.Parts{}, err
	}
	hasher, err := password.New(password.OWASP, 0) // prepares the sign-in dummy hash (no argon2 at start)
	if err != nil {
		return lifecycle.Parts{}, fmt.Errorf("password hasher: %w", err)
	}
	svc := user.NewService(users, hasher, log)
	svc.Throttle = &user.Throttle{Attempts: failures, MaxFailures: cfg.SignInMaxFailures, Window: cfg.SignInFailureWindow,
		MaxPasswordFailures: cfg.SignInMaxPasswordFailures, Key: fingerprintKey(cfg.JWTKey)}
	svc.SignUps = &user.Limit{Attempts: failures, Key: "signups", Max: cfg.SignUpsPerMinute, Every: time.Minute}
	api := httpapi.New(log, svc, httpapi.Config{
		Key:      cfg.JWTKey,
		TokenTTL: cfg.TokenTTL,
		Cookie:   auth.CookieConfig{Name: cfg.CookieName, Secure: cfg.CookieSecure},
		Ready:    checks,
		Admins:   cfg.Admins,
	})
	log.Info("auth settings", "hash", hasher.Params().String(), "token_ttl", cfg.TokenTTL.String(), "cookie_secure", cfg.CookieSecure,
		"signin_max_failures", cfg.SignInMaxFailures, "signin_failure_window", cfg.SignInFailureWindow.String(),
		"signin_max_password_failures", cfg.SignInMaxPasswordFailures, "signups_per_minute", cfg.SignUpsPerMinute, "admins", len(cfg.Admins))
	sweep := func(ctx context.Context) error { failures.Sweep(ctx, time.Minute, log); return nil }
	return lifecycle.Parts{API: api.Routes(), Workers: []func(context.Context) error{relay.Run, sweep}}, nil
}

// fingerprintKey derives the key of the password fingerprints the sign-in
// throttle counts from the service's secret, so that they mean nothing
// without it and differ from any token signature.
func fingerprintKey(jwtKey []byte) []byte {
	m := hmac.New(sha256.New, jwtKey)
	m.Write([]byte("gittix sign-in password fingerprint"))
	return m.Sum(nil)
}
