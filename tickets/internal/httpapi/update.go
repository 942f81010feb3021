package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// update serves PUT /api/tickets/{id}. Failures come in the order of SPEC
// §5: 401 signed out (RequireAuth), 400 validation, 404, 400 reserved, 401
// not the seller; 409 when the ticket kept changing under the edit. The
// store records ticket:updated with the change.
func (a *API) update(w http.ResponseWriter, r *http.Request) error {
	id, err := ticketID(r)
	if err != nil {
		return err
	}
	title, price, err := decodeTicket(r)
	if err != nil {
		return err
	}
	user, _ := auth.UserFrom(r.Context())
	t, err := ticket.Update(r.Context(), a.store, id, ticket.Edit(user.ID, title, price))
	if err != nil {
		return toHTTP(err)
	}
	return web.Respond(w, http.StatusOK, toJSON(t))
}
