// Package httpapi serves the auth service's routes (SPEC §4).
package httpapi

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
)

// Config is what the routes need besides the users.
type Config struct {
	Key      []byte        // signs the session tokens (JWT_KEY)
	TokenTTL time.Duration // lifetime of a session token
	Cookie   auth.CookieConfig
	Ready    map[string]web.Check // readiness checks for /readyz
	// Admins are the (normalised) emails of the users who may ban
	// (ADMIN_EMAILS).
	Admins []string
	Now    func() time.Time // default time.Now
}

// Server holds the handlers' dependencies.
type Server struct {
	log      *slog.Logger
	users    *user.Service
	cfg      Config
	verifier auth.Verifier
}

// New returns the auth API over users.
func New(log *slog.Logger, users *user.Service, cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Server{
		log:      log,
		users:    users,
		cfg:      cfg,
		verifier: auth.Verifier{Key: cfg.Key, Cookie: cfg.Cookie, Now: cfg.Now},
	}
}

// Routes returns the service's HTTP handler.
func (s *Server) Routes() http.Handler {
	r := web.NewRouter(s.log, s.cfg.Ready)
	r.Route("/api/users", func(r chi.Router) {
		r.Use(limitBody, s.verifier.CurrentUser)
		r.Post("/signup", web.Handle(s.log, s.signup))
		r.Post("/signin", web.Handle(s.log, s.signin))
		r.Post("/signout", web.Handle(s.log, s.signout))
		r.Get("/currentuser", web.Handle(s.log, s.currentUser))
		r.With(auth.RequireAuth(s.log)).Post("/{id}/ban", web.Handle(s.log, s.ban))
	})
	return r
}

// MaxBody is the largest body /api/users reads: an email and a password
// of at most 20 characters fit many times over.
const MaxBody = 4 << 10

// limitBody refuses bodies over MaxBody: they are read no further and
// answered 413 by web.Decode.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
		next.ServeHTTP(w, r)
	})
}

// userJSON is a user as the API shows it: never the password or its hash.
type userJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// startSession sets the session cookie for u.
func (s *Server) startSession(w http.ResponseWriter, u user.User) error {
	token, err := auth.Sign(s.cfg.Key, auth.User{ID: u.ID, Email: u.Email}, s.cfg.Now(), s.cfg.TokenTTL)
	if err != nil {
		return err
	}
	s.cfg.Cookie.SetSession(w, token)
	return nil
}

// toHTTP maps the domain's errors to responses; a refusal to wait sets
// Retry-After.
func toHTTP(w http.ResponseWriter, err error) error {
	if te, ok := errors.AsType[*user.ThrottledError](err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(te.RetryAfter.Seconds()))))
		if te.Limit != "" {
			return web.NewError(http.StatusTooManyRequests, "Too many sign-ups right now, try again later")
		}
	}
	switch {
	case errors.Is(err, user.ErrEmailInUse):
		return web.NewError(http.StatusBadRequest, "Email in use")
	case errors.Is(err, user.ErrInvalidCredentials):
		return web.NewError(http.StatusBadRequest, "Invalid credentials")
	case errors.Is(err, user.ErrBanned):
		return web.NewError(http.StatusForbidden, "This account is banned")
	case errors.Is(err, user.ErrThrottled):
		return web.NewError(http.StatusTooManyRequests, "Too many failed sign-in attempts, try again later")
	case mongodb.Unavailable(err):
		return web.Unavailable(err)
	}
	return err // a logged 500
}
