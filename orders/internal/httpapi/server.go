// Package httpapi serves the orders routes of SPEC §6 and the health probes.
package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/orders/internal/order"
	"github.com/gittix/ticketing/orders/internal/ticket"
)

// Server holds what the handlers need.
type Server struct {
	svc      *order.Service
	log      *slog.Logger
	verifier auth.Verifier
	checks   map[string]web.Check
}

// New returns the HTTP API of svc. checks are run by /readyz.
func New(svc *order.Service, log *slog.Logger, verifier auth.Verifier, checks map[string]web.Check) *Server {
	return &Server{svc: svc, log: log, verifier: verifier, checks: checks}
}

// Routes returns the service's handler.
func (s *Server) Routes() http.Handler {
	r := web.NewRouter(s.log, s.checks)
	signedIn := r.With(s.verifier.CurrentUser, auth.RequireAuth(s.log))
	signedIn.Post("/api/orders", s.handle(s.create))
	signedIn.Get("/api/orders", s.handle(s.list))
	signedIn.Get("/api/orders/{id}", s.handle(s.show))
	signedIn.Delete("/api/orders/{id}", s.handle(s.cancel))
	return r
}

func (s *Server) handle(h web.HandlerFunc) http.HandlerFunc {
	return web.Handle(s.log, func(w http.ResponseWriter, r *http.Request) error {
		return toHTTP(h(w, r))
	})
}

// toHTTP translates the domain's errors into HTTP answers, in one place.
func toHTTP(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, order.ErrNotFound), errors.Is(err, ticket.ErrNotFound):
		return web.ErrNotFound
	case errors.Is(err, order.ErrTicketReserved):
		return web.NewError(http.StatusBadRequest, "Ticket is already reserved")
	case errors.Is(err, order.ErrCompleted):
		return web.NewError(http.StatusBadRequest, "Cannot cancel a completed order")
	case errors.Is(err, order.ErrTooManyOpen):
		// The caller holds as many open (unpaid) orders as allowed.
		return web.NewError(http.StatusTooManyRequests, "You have too many open orders; pay for or cancel one first")
	case mongodb.Unavailable(err):
		return web.Unavailable(err)
	}
	return err // a *web.Error as it is; anything else a logged 500
}

// orderJSON is an order as the API shows it.
type orderJSON struct {
	ID        string             `json:"id"`
	UserID    string             `json:"userId"`
	Status    events.OrderStatus `json:"status"`
	ExpiresAt time.Time          `json:"expiresAt"` // RFC 3339, UTC
	Version   int64              `json:"version"`
	Ticket    ticketJSON         `json:"ticket"`
}

type ticketJSON struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"`
	Version int64   `json:"version"`
}

func toJSON(o order.Order) orderJSON {
	return orderJSON{
		ID:        o.ID.Hex(),
		UserID:    o.UserID,
		Status:    o.Status,
		ExpiresAt: o.ExpiresAt.UTC(),
		Version:   o.Version,
		Ticket: ticketJSON{
			ID:      o.Ticket.ID.Hex(),
			Title:   o.Ticket.Title,
			Price:   o.Ticket.Price,
			Version: o.Ticket.Version,
		},
	}
}

// callersOrder loads the order named in the path, if the caller owns it.
func (s *Server) callersOrder(r *http.Request) (order.Order, error) {
	id, err := web.ObjectID(chi.URLParam(r, "id"), "", "Order id must be a valid id")
	if err != nil {
		return order.Order{}, err
	}
	o, err := s.svc.Orders.Get(r.Context(), id)
	if err != nil {
		return order.Order{}, err
	}
	if u, _ := auth.UserFrom(r.Context()); u.ID != o.UserID {
		return order.Order{}, web.ErrNotAuthorized
	}
	return o, nil
}
