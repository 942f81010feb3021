package auth

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gittix/ticketing/common/web"
)

type ctxKey struct{}

// Verifier reads the session of a request.
type Verifier struct {
	Key    []byte
	Cookie CookieConfig
	Now    func() time.Time // default time.Now
	// Banned, when set, reports the users whose tokens are no longer
	// honoured (a ban, SPEC §11): their requests are signed out.
	Banned func(userID string) bool
}

// Claims returns the verified claims of r's session, or false when r is
// signed out: no cookie, or a cookie or token that does not verify.
func (v Verifier) Claims(r *http.Request) (Claims, bool) {
	ck, err := r.Cookie(v.Cookie.name())
	if err != nil {
		return Claims{}, false
	}
	token, err := DecodeCookie(ck.Value)
	if err != nil {
		return Claims{}, false
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	c, err := Verify(v.Key, token, now())
	if err != nil || v.Banned != nil && v.Banned(c.User.ID) {
		return Claims{}, false
	}
	return c, true
}

// CurrentUser puts the verified session's claims, if any, in the request
// context. It never rejects a request.
func (v Verifier) CurrentUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := v.Claims(r); ok {
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, c))
		}
		next.ServeHTTP(w, r)
	})
}

// ClaimsFrom returns the claims CurrentUser stored in ctx.
func ClaimsFrom(ctx context.Context) (Claims, bool) {
	c, ok := ctx.Value(ctxKey{}).(Claims)
	return c, ok
}

// UserFrom returns the signed-in user stored in ctx by CurrentUser.
func UserFrom(ctx context.Context) (User, bool) {
	c, ok := ClaimsFrom(ctx)
	return c.User, ok
}

// RequireAuth answers 401 "Not authorized" unless CurrentUser found a user.
func RequireAuth(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := ClaimsFrom(r.Context()); !ok {
				web.WriteError(w, r, log, web.ErrNotAuthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
