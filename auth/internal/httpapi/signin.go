package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/web"
)

// signin handles POST /api/users/signin {email, password}: 200 with the
// user and a session cookie, or 400 "Invalid credentials" for an unknown
// email and a wrong password alike.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) error {
	var req credentials
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	var errs []web.FieldError
	if !user.ValidEmail(req.Email) {
		errs = append(errs, web.FieldError{Field: "email", Message: "Email must be valid"})
	}
	if user.NormalizePassword(req.Password) == "" {
		errs = append(errs, web.FieldError{Field: "password", Message: "You must supply a password"})
	}
	if err := web.Validation(errs...); err != nil {
		return err
	}

	u, err := s.users.SignIn(r.Context(), req.Email, req.Password)
	if err != nil {
		return toHTTP(err)
	}
	if err := s.startSession(w, u); err != nil {
		return err
	}
	return web.Respond(w, http.StatusOK, userJSON{ID: u.ID, Email: u.Email})
}
