package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/web"
)

// show serves GET /api/tickets/{id}, reserved tickets included.
func (a *API) show(w http.ResponseWriter, r *http.Request) error {
	id, err := ticketID(r)
	if err != nil {
		return err
	}
	t, err := a.store.Get(r.Context(), id)
	if err != nil {
		return toHTTP(err)
	}
	return web.Respond(w, http.StatusOK, toJSON(t))
}
