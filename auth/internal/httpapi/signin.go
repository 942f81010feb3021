package httpapi

import (
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/gittix/ticketing/auth/internal/user"
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
	if te, ok := errors.AsType[*user.ThrottledError](err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(te.RetryAfter.Seconds()))))
	}
	if err != nil {
		return toHTTP(err)
	}
	if err := s.startSession(w, u); err != nil {
		return err
	}
	return web.Respond(w, http.StatusOK, userJSON{ID: u.ID, Email: u.Email})
}
