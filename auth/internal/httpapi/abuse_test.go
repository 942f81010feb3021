package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/internal/httpapi"
	"github.com/gittix/ticketing/common/web"
)

// TestSignOutRefusesCrossSiteForms: a page of another site that posts a
// form (text/plain, no JSON) to sign-out gets 403 and the session stays;
// the same request from this site, a JSON one, or one from no browser
// signs out.
func TestSignOutRefusesCrossSiteForms(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"cross-site form", map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"cross-site form, old browser (Origin only)", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}, 403},
		{"same-site sibling", map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "same-site"}, 403},
		{"same-origin form", map[string]string{"Content-Type": "text/plain", "Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}, 200},
		{"same origin by Origin", map[string]string{"Content-Type": "text/plain", "Origin": "http://example.com"}, 200},
		{"JSON", map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 200},
		{"no browser", map[string]string{}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cookie := e.signup(t, "ann@example.com", "secret")
			req := httptest.NewRequest(http.MethodPost, "http://example.com/api/users/signout", strings.NewReader("x=1"))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			req.AddCookie(cookie)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			wantStatus(t, rec, tc.want)
			cleared := strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0")
			if cleared != (tc.want == 200) {
				t.Errorf("session cleared = %t, want %t (Set-Cookie %q)", cleared, tc.want == 200, rec.Header().Get("Set-Cookie"))
			}
			if tc.want == 403 {
				wantErrors(t, rec, 403, web.FieldError{Message: "Sign-out must come from this site"})
			}
		})
	}
}

// TestUsersBodyLimit: /api/users reads at most a few KiB; a bigger body
// is 413 in the error shape, before any password is hashed.
func TestUsersBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := `{"email":"ann@example.com","password":"` + strings.Repeat("x", httpapi.MaxBody) + `"}`
	for _, path := range []string{"/api/users/signup", "/api/users/signin"} {
		rec := e.do(t, http.MethodPost, path, big)
		wantErrors(t, rec, 413, web.FieldError{Message: "Request body must not be larger than 4 KiB"})
	}
}
