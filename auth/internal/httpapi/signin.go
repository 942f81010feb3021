package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/web"
)

// signin handles POST /api/users/signin {email, password}: 200 with the
// user and a session cookie, or 400 "Invalid credentials" for an unknown
// email and a wrong password alike; 429, with Retry-After, for an email
// with too many recent failures.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeSignIn(r)
	if err != nil {
		return err
	}
	u, err := s.users.SignIn(r.Context(), req.Email, req.Password)
	if err != nil {
		return toHTTP(w, err)
	}
	if err := s.startSession(w, u); err != nil {
		return err
	}
	return web.Respond(w, http.StatusOK, userJSON{ID: u.ID, Email: u.Email})
}
