package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

type currentUserJSON struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

// currentUser handles GET /api/users/currentuser: the session's claims, or
// {"currentUser": null} when signed out or the token does not verify.
func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		CurrentUser *currentUserJSON `json:"currentUser"`
	}
	if c, ok := auth.ClaimsFrom(r.Context()); ok {
		body.CurrentUser = &currentUserJSON{ID: c.ID, Email: c.Email, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt}
	}
	return web.Respond(w, http.StatusOK, body)
}
