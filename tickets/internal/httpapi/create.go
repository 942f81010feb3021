package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// create serves POST /api/tickets: 201 with the new ticket at version 0.
// The store records ticket:created with it.
func (a *API) create(w http.ResponseWriter, r *http.Request) error {
	title, price, err := decodeTicket(r)
	if err != nil {
		return err
	}
	user, _ := auth.UserFrom(r.Context()) // RequireAuth guarantees a user
	t, err := a.store.Create(r.Context(), ticket.Ticket{Title: title, Price: price, UserID: user.ID})
	if err != nil {
		return toHTTP(err)
	}
	return web.Respond(w, http.StatusCreated, toJSON(t))
}
