package httpapi

import (
	"errors"
	"net/http"
	"slices"

	"github.com/go-chi/chi/v5"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

// ban handles POST /api/users/{id}/ban (SPEC §11): an admin (an email of
// ADMIN_EMAILS) bans the user: 200 with the user; 403 for anyone else; 400
// for an id that is no user id; 404 for an unknown user. Banning a banned
// user answers 200 again and announces nothing new. user:banned goes out
// through the outbox, and every service stops honouring the user's tokens.
func (s *Server) ban(w http.ResponseWriter, r *http.Request) error {
	admin, _ := auth.UserFrom(r.Context())
	if !slices.Contains(s.cfg.Admins, user.NormalizeEmail(admin.Email)) {
		return web.NewError(http.StatusForbidden, "Only an admin may ban a user")
	}
	id, err := web.ObjectID(chi.URLParam(r, "id"), "id", "User id must be a valid id")
	if err != nil {
		return err
	}
	u, err := s.users.Ban(r.Context(), id.Hex())
	if errors.Is(err, user.ErrNotFound) {
		return web.ErrNotFound
	}
	if err != nil {
		return toHTTP(w, err)
	}
	return web.Respond(w, http.StatusOK, bannedJSON{ID: u.ID, Email: u.Email, Banned: u.Banned})
}

type bannedJSON struct {
	ID     string `json:"id"`
	Email  string `json:"email"`
	Banned bool   `json:"banned"`
}
