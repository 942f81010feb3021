package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

// list handles GET /api/orders: the caller's orders, oldest first.
func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	u, _ := auth.UserFrom(r.Context())
	orders, err := s.svc.Orders.ListByUser(r.Context(), u.ID)
	if err != nil {
		return err
	}
	out := make([]orderJSON, len(orders))
	for i, o := range orders {
		out[i] = toJSON(o)
	}
	return web.Respond(w, http.StatusOK, out)
}
