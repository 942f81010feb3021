// Package app wires the auth service together. Run is its whole life:
// main calls it, and so does `make dev`, which runs every service in one
// process (hence no globals, no default mux, no os.Getenv here).
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gittix/ticketing/auth/internal/config"
	"github.com/gittix/ticketing/auth/internal/httpapi"
	"github.com/gittix/ticketing/auth/internal/mongostore"
	"github.com/gittix/ticketing/auth/internal/password"
	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
)

// Run loads the configuration from getenv, connects to MongoDB and serves
// HTTP until ctx is done; then in-flight requests finish (up to the
// shutdown timeout) and MongoDB is disconnected.
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}

	client, db, err := mongodb.Connect(ctx, cfg.MongoURI, "auth")
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := client.Disconnect(dctx); err != nil {
			log.Warn("disconnect mongodb", "err", err)
		}
	}()
	users, err := mongostore.NewUsers(ctx, db)
	if err != nil {
		return err
	}
	failures, err := mongostore.NewSignInFailures(ctx, db)
	if err != nil {
		return err
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	var sweeping sync.WaitGroup
	sweeping.Go(func() { failures.Sweep(sweepCtx, time.Minute, log) })
	defer sweeping.Wait() // before Mongo is disconnected (deferred above)
	defer stopSweep()

	hasher, err := password.New(password.OWASP, 0) // prepares the sign-in dummy hash (no argon2 at start)
	if err != nil {
		return fmt.Errorf("password hasher: %w", err)
	}
	svc := user.NewService(users, hasher, log)
	svc.Throttle = &user.Throttle{Attempts: failures, MaxFailures: cfg.SignInMaxFailures, Window: cfg.SignInFailureWindow}
	api := httpapi.New(log, svc, httpapi.Config{
		Key:      []byte(cfg.JWTKey),
		TokenTTL: cfg.TokenTTL,
		Cookie:   auth.CookieConfig{Name: cfg.CookieName, Secure: cfg.CookieSecure},
		Ready:    map[string]web.Check{"mongodb": mongodb.Ping(db)},
	})

	srv := web.NewServer(net.JoinHostPort(cfg.Host, cfg.Port), api.Routes())
	log.Info("listening", "addr", srv.Addr, "db", db.Name(), "hash", hasher.Params().String(),
		"tokenTTL", cfg.TokenTTL.String(), "cookieSecure", cfg.CookieSecure,
		"signinMaxFailures", cfg.SignInMaxFailures, "signinFailureWindow", cfg.SignInFailureWindow.String())
	return web.Serve(ctx, srv, cfg.ShutdownTimeout)
}
