package web

import (
	"log/slog"

	"github.com/go-chi/chi/v5"
)

// NewRouter returns the router every service starts from: panics become a
// logged 500, unknown paths 404 and wrong methods 405, all in the error
// shape, and the probes GET /healthz and GET /readyz (checks run by readyz)
// are mounted. The service adds its routes to it.
func NewRouter(log *slog.Logger, checks map[string]Check) chi.Router {
	r := chi.NewRouter()
	r.Use(Recover(log))
	r.NotFound(NotFound(log))
	r.MethodNotAllowed(MethodNotAllowed(log))
	r.Get("/healthz", Healthz)
	r.Get("/readyz", Readyz(log, checks))
	return r
}
