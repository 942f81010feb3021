package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/web"
)

// show handles GET /api/orders/{id}.
func (s *Server) show(w http.ResponseWriter, r *http.Request) error {
	o, err := s.callersOrder(r)
	if err != nil {
		return err
	}
	return web.Respond(w, http.StatusOK, toJSON(o))
}
