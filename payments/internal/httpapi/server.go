// Package httpapi serves the payments route of SPEC §7 and the health probes.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// Server holds what the handlers need.
type Server struct {
	svc      *payment.Service
	log      *slog.Logger
	verifier auth.Verifier
	checks   map[string]web.Check
	// webhookSecret verifies Stripe's notices (STRIPE_WEBHOOK_SECRET);
	// empty: every notice is refused.
	webhookSecret string
}

// New returns the HTTP API of svc. checks are run by /readyz;
// webhookSecret verifies the notices of POST /api/payments/webhook.
func New(svc *payment.Service, log *slog.Logger, verifier auth.Verifier, checks map[string]web.Check, webhookSecret string) *Server {
	return &Server{svc: svc, log: log, verifier: verifier, checks: checks, webhookSecret: webhookSecret}
}

// Routes returns the service's handler.
func (s *Server) Routes() http.Handler {
	r := web.NewRouter(s.log, s.checks)
	r.With(s.verifier.CurrentUser, auth.RequireAuth(s.log)).Post("/api/payments", s.handle(s.create))
	r.With(s.verifier.CurrentUser, auth.RequireAuth(s.log)).Post("/api/payments/intents", s.handle(s.intent))
	// Stripe's notices carry no session: the signature authenticates them.
	r.Post("/api/payments/webhook", s.handle(s.webhook))
	return r
}

func (s *Server) handle(h web.HandlerFunc) http.HandlerFunc {
	return web.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
		return s.toHTTP(h(w, r))
	})
}

// toHTTP translates the domain's errors into HTTP answers, in one place.
func (s *Server) toHTTP(err error) error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*payment.DeclinedError](err); ok {
		return web.NewError(http.StatusPaymentRequired, e.Message)
	}
	if e, ok := errors.AsType[*payment.RejectedError](err); ok {
		return &web.Error{Status: http.StatusBadRequest, Errors: []web.FieldError{{Field: "token", Message: e.Message}}}
	}
	switch {
	case errors.Is(err, payment.ErrNotFound):
		return web.ErrNotFound
	case errors.Is(err, payment.ErrNotOwner):
		return web.ErrNotAuthorized
	case errors.Is(err, payment.ErrOrderCancelled):
		return web.NewError(http.StatusBadRequest, "Cannot pay for a cancelled order")
	case errors.Is(err, payment.ErrOrderExpired):
		return web.NewError(http.StatusBadRequest, "Order has expired")
	case errors.Is(err, payment.ErrAlreadyPaid):
		return web.NewError(http.StatusBadRequest, "Order is already paid")
	case errors.Is(err, payment.ErrInProgress):
		return web.NewError(http.StatusConflict, "Payment already in progress")
	case errors.Is(err, payment.ErrProcessorDown):
		s.log.Error("card processor unavailable", "err", err)
		return web.NewError(http.StatusBadGateway, "Payment provider unavailable, try again")
	case mongodb.Unavailable(err):
		return web.Unavailable(err)
	}
	return err // a *web.Error as it is; anything else a logged 500
}
