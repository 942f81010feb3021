package httpapi

import (
	"net/http"
	"net/url"

	"github.com/gittix/ticketing/common/web"
)

// signout handles POST /api/users/signout: 200 {} and an expired session
// cookie. A request a browser sent for another site's page — a form that
// posts here, say — is refused with 403 and the session kept: it is a JSON
// request, or a browser's same-origin one (Sec-Fetch-Site, else Origin).
func (s *Server) signout(w http.ResponseWriter, r *http.Request) error {
	if crossSite(r) {
		return web.NewError(http.StatusForbidden, "Sign-out must come from this site")
	}
	s.cfg.Cookie.ClearSession(w)
	return web.Respond(w, http.StatusOK, struct{}{})
}

// crossSite reports whether a browser sent r from a page of another
// origin. A JSON request is never cross-site: a page of another origin
// cannot send one without a CORS preflight, which this API never allows.
// Requests from no browser (no Sec-Fetch-Site, no Origin) are not either.
func crossSite(r *http.Request) bool {
	if web.IsJSON(r) {
		return false
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return false
	case "cross-site", "same-site":
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	return err != nil || u.Host != r.Host
}
