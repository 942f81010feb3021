//go:build integration

package e2e_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gittix/ticketing/common/testenv"
)

// TestSessionCookieFlags checks every Set-Cookie of the session through the
// gateway — from the API and relayed by the web client — is HttpOnly,
// SameSite=Lax and Path=/, and Secure exactly when COOKIE_SECURE is on.
func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run("COOKIE_SECURE="+map[bool]string{false: "false", true: "true"}[secure], func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			if secure {
				env["COOKIE_SECURE"] = "true"
			}
			base := startApp(t, env)
			email := "flags" + randHex(4) + "@example.com"
			creds := []byte(`{"email":"` + email + `","password":"secret-pass"}`)
			form := func(email string) []byte {
				return []byte(url.Values{"email": {email}, "password": {"secret-pass"}}.Encode())
			}
			steps := []struct {
				name    string
				rq      rawRequest
				clears  bool
				wantSet bool
			}{
				{"API sign-up", rawRequest{method: "POST", path: "/api/users/signup", ctype: jsonType, body: creds}, false, true},
				{"API sign-in", rawRequest{method: "POST", path: "/api/users/signin", ctype: jsonType, body: creds}, false, true},
				{"API sign-out", rawRequest{method: "POST", path: "/api/users/signout"}, true, true},
				{"web sign-up form", rawRequest{method: "POST", path: "/auth/signup", ctype: "application/x-www-form-urlencoded",
					body: form("web" + email)}, false, true},
				{"web sign-in form", rawRequest{method: "POST", path: "/auth/signin", ctype: "application/x-www-form-urlencoded",
					body: form(email)}, false, true},
			}
			for _, s := range steps {
				a := send(t, base, s.rq)
				if a.status >= 400 {
					t.Fatalf("%s = %d %s", s.name, a.status, trim(string(a.body)))
				}
				sc := a.header.Values("Set-Cookie")
				if len(sc) != 1 {
					t.Fatalf("%s: Set-Cookie = %q, want the session cookie once", s.name, sc)
				}
				c := sc[0]
				for _, want := range []string{"session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
					if !strings.Contains(c, want) {
						t.Errorf("%s: Set-Cookie %q lacks %s", s.name, c, want)
					}
				}
				if got := strings.Contains(c, "Secure"); got != secure {
					t.Errorf("%s: Set-Cookie %q: Secure = %v, want %v", s.name, c, got, secure)
				}
				if cleared := strings.Contains(c, "Max-Age=0"); cleared != s.clears {
					t.Errorf("%s: Set-Cookie %q: cleared = %v, want %v", s.name, c, cleared, s.clears)
				}
			}
		})
	}
}

// TestPasswordsNeverLogged runs the app with every part logging at debug
// level, signs up and in — right and wrong, through the API and the web
// forms, until throttled — and checks no password appears in the logs.
func TestPasswordsNeverLogged(t *testing.T) {
	t.Parallel()
	base, logs := startAppLogging(t, map[string]string{"SIGNIN_MAX_FAILURES": "3"})
	pw := func() string { return "pw-" + randHex(6) }
	passwords := []string{pw(), pw(), pw(), pw(), pw(), pw()}
	email := "logs" + randHex(4) + "@example.com"
	j := func(email, password string) []byte {
		return []byte(`{"email":"` + email + `","password":"` + password + `"}`)
	}
	f := func(email, password string) []byte {
		return []byte(url.Values{"email": {email}, "password": {password}}.Encode())
	}
	const formType = "application/x-www-form-urlencoded"
	requests := []rawRequest{
		{method: "POST", path: "/api/users/signup", ctype: jsonType, body: j(email, passwords[0])},
		{method: "POST", path: "/api/users/signup", ctype: jsonType, body: j("bad-email", passwords[1])},
		{method: "POST", path: "/api/users/signup", ctype: jsonType, body: j(email, passwords[1])}, // email in use
		{method: "POST", path: "/api/users/signin", ctype: jsonType, body: j(email, passwords[0])},
		{method: "POST", path: "/auth/signup", ctype: formType, body: f("web"+email, passwords[2])},
		{method: "POST", path: "/auth/signin", ctype: formType, body: f(email, passwords[3])},
		{method: "POST", path: "/api/users/signin", ctype: jsonType, body: j(email, passwords[4])},
		{method: "POST", path: "/api/users/signin", ctype: jsonType, body: j(email, passwords[4])},
		{method: "POST", path: "/api/users/signin", ctype: jsonType, body: j(email, passwords[5])}, // throttled
		{method: "POST", path: "/auth/signin", ctype: formType, body: f(email, passwords[5])},      // throttled
		{method: "POST", path: "/api/users/signin", ctype: jsonType, body: j("nobody"+email, passwords[5])},
	}
	statuses := make([]int, len(requests))
	for i, rq := range requests {
		statuses[i] = send(t, base, rq).status
	}
	if statuses[8] != http.StatusTooManyRequests || statuses[9] != http.StatusTooManyRequests {
		t.Errorf("statuses = %v, want the last attempts throttled (429)", statuses)
	}
	out := logs.String()
	if !strings.Contains(out, `"part":"auth"`) {
		t.Fatalf("no auth log captured: %.2000s", out)
	}
	for _, p := range passwords {
		if strings.Contains(out, p) {
			t.Errorf("password %q is in the logs", p)
		}
	}
	t.Logf("%d bytes of debug logs checked", len(out))
}

// startAppLogging is startApp with every part's log, at debug level,
// captured as JSON.
func startAppLogging(t *testing.T, env map[string]string) (string, *testenv.LogBuffer) {
	t.Helper()
	return runApp(t, env, func(w io.Writer) slog.Handler {
		return slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})
	})
}
