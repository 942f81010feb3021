package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/web"
)

// signout handles POST /api/users/signout: 200 {} and an expired session
// cookie.
func (s *Server) signout(w http.ResponseWriter, _ *http.Request) error {
	s.cfg.Cookie.ClearSession(w)
	return web.Respond(w, http.StatusOK, struct{}{})
}
