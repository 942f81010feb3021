package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/internal/httpapi"
)

func TestBan(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, newStore(t), httpapi.Config{Admins: []string{"boss@test.com"}})
	admin := e.signup(t, "Boss@Test.com", "secret-pass")
	other := e.signup(t, "other@test.com", "secret-pass")
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds("bad@test.com", "secret-pass"))
	wantStatus(t, rec, http.StatusCreated)
	var victim struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &victim); err != nil || len(victim.ID) != 24 {
		t.Fatalf("signup body %s: %v", rec.Body, err)
	}
	ban := "/api/users/" + victim.ID + "/ban"

	for _, tc := range []struct {
		name    string
		path    string
		cookies []*http.Cookie
		code    int
		msg     string
	}{
		{"signed out", ban, nil, http.StatusUnauthorized, "Not authorized"},
		{"not an admin", ban, []*http.Cookie{other}, http.StatusForbidden, "Only an admin may ban a user"},
		{"bad id", "/api/users/nope/ban", []*http.Cookie{admin}, http.StatusBadRequest, "User id must be a valid id"},
		{"unknown user", "/api/users/0123456789abcdef01234567/ban", []*http.Cookie{admin}, http.StatusNotFound, "Not Found"},
		{"admin bans", ban, []*http.Cookie{admin}, http.StatusOK, `"banned":true`},
		{"again: the same answer", ban, []*http.Cookie{admin}, http.StatusOK, `"banned":true`},
	} {
		rec := e.do(t, http.MethodPost, tc.path, "", tc.cookies...)
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.msg) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, rec.Code, rec.Body, tc.code, tc.msg)
		}
	}
	// The banned user cannot sign in; a wrong password still says only
	// "Invalid credentials" (the ban is told only to who knows it).
	rec = e.do(t, http.MethodPost, "/api/users/signin", creds("bad@test.com", "secret-pass"))
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "This account is banned") {
		t.Errorf("banned sign-in = %d %s, want 403", rec.Code, rec.Body)
	}
	rec = e.do(t, http.MethodPost, "/api/users/signin", creds("bad@test.com", "wrong-pass"))
	wantStatus(t, rec, http.StatusBadRequest)
	// Others still sign in.
	wantStatus(t, e.do(t, http.MethodPost, "/api/users/signin", creds("other@test.com", "secret-pass")), http.StatusOK)
}
