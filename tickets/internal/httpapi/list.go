package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/web"
)

// list serves GET /api/tickets: the unreserved tickets, oldest first.
func (a *API) list(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.store.ListAvailable(r.Context())
	if err != nil {
		return toHTTP(err)
	}
	out := make([]ticketJSON, len(ts)) // [] rather than null when empty
	for i, t := range ts {
		out[i] = toJSON(t)
	}
	return web.Respond(w, http.StatusOK, out)
}
