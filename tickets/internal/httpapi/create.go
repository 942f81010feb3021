package httpapi

import (
	"errors"
	"net/http"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// create serves POST /api/tickets: 201 with the new ticket at version 0.
// The store records ticket:created with it. A valid request past the
// user's hourly cap is answered 429 with Retry-After.
func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	title, price, err := decodeTicket(r)
	if err != nil {
		return err
	}
	user, _ := auth.UserFrom(r.Context()) // RequireAuth guarantees a user
	if a.quota != nil {
		var qe *ticket.QuotaError
		if err := a.quota.Take(r.Context(), user.ID, a.now()); errors.As(err, &qe) {
			return quotaError(w, qe)
		} else if err != nil {
			return toHTTP(err)
		}
	}
	t, err := a.store.Create(r.Context(), ticket.Ticket{Title: title, Price: price, UserID: user.ID})
	if err != nil {
		return toHTTP(err)
	}
	return web.Respond(w, http.StatusCreated, toJSON(t))
}
