package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/common/web"
)

// signup handles POST /api/users/signup {email, password}: 201 with the
// new user and a session cookie.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	req, err := decodeSignUp(r)
	if err != nil {
		return err
	}
	u, err := s.users.SignUp(r.Context(), req.Email, req.Password)
	if err != nil {
		return toHTTP(w, err)
	}
	s.log.Info("user signed up", "user", u.ID)
	if err := s.startSession(w, u); err != nil {
		return err
	}
	return web.Respond(w, http.StatusCreated, userJSON{ID: u.ID, Email: u.Email})
}
