// Package httpapi serves the tickets routes of SPEC §5 and the health
// probes.
package httpapi

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// API is the HTTP API of the tickets service.
type API struct {
	store    ticket.Store
	verifier auth.Verifier
	log      *slog.Logger
	checks   map[string]web.Check
	quota    ticket.Quota
	now      func() time.Time
}

// New returns the API on store. verifier reads sessions; checks are the
// dependencies /readyz reports on; quota, when not nil, caps the tickets a
// user creates per hour.
func New(store ticket.Store, verifier auth.Verifier, log *slog.Logger, checks map[string]web.Check, quota ticket.Quota) *API {
	return &API{store: store, verifier: verifier, log: log, checks: checks, quota: quota, now: time.Now}
}

// Routes returns the service's handler: the probes, 404 and 405 in the
// error shape (web.NewRouter), and the routes of SPEC §5.
func (a *API) Routes() http.Handler {
	r := web.NewRouter(a.log, a.checks)
	r.Route("/api/tickets", func(r chi.Router) {
		r.Use(a.verifier.CurrentUser)
		r.Get("/", web.Handle(a.log, a.list))
		r.Get("/{id}", web.Handle(a.log, a.show))
		r.Group(func(r chi.Router) {
			r.Use(auth.RequireAuth(a.log))
			r.Post("/", web.Handle(a.log, a.create))
			r.Put("/{id}", web.Handle(a.log, a.update))
		})
	})
	return r
}

// ticketJSON is a ticket as the API shows it (SPEC §5).
type ticketJSON struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"` // dollars
	UserID  string  `json:"userId"`
	Version int64   `json:"version"`
	OrderID string  `json:"orderId,omitempty"` // only while reserved
}

func toJSON(t ticket.Ticket) ticketJSON {
	return ticketJSON{ID: t.ID.Hex(), Title: t.Title, Price: t.Price.Dollars(), UserID: t.UserID, Version: t.Version, OrderID: t.OrderID}
}

// Errors answered for the domain's errors.
var (
	errReserved = web.NewError(http.StatusBadRequest, "Cannot edit a reserved ticket")
	errConflict = web.NewError(http.StatusConflict, "Ticket was changed concurrently, try again")
)

// toHTTP translates the domain's and the store's errors into responses.
// Anything else is left to become a logged 500.
func toHTTP(err error) error {
	switch {
	case errors.Is(err, ticket.ErrNotFound):
		return web.ErrNotFound
	case errors.Is(err, ticket.ErrReserved):
		return errReserved
	case errors.Is(err, ticket.ErrNotOwner):
		return web.ErrNotAuthorized
	case errors.Is(err, ticket.ErrConflict):
		return errConflict
	case mongodb.Unavailable(err):
		return web.Unavailable(err)
	}
	return err
}

// quotaError answers a creation past the user's cap: 429, with the wait
// until the next window in Retry-After (whole seconds, rounded up).
func quotaError(w http.ResponseWriter, e *ticket.QuotaError) error {
	secs := max(1, int64(math.Ceil(e.RetryAfter.Seconds())))
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return web.NewError(http.StatusTooManyRequests,
		"You have created "+strconv.Itoa(e.Limit)+" tickets in the last hour, the most allowed; try again later")
}

// ticketID reads the {id} path parameter.
func ticketID(r *http.Request) (bson.ObjectID, error) {
	return web.ObjectID(chi.URLParam(r, "id"), "", "Ticket id must be a valid id")
}
