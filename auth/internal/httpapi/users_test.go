package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

// The original's suite, case by case (SPEC §4).

func TestCurrentUserRespondsWithDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cookie := e.signup(t, "test@test.com", "password")

	rec := e.do(t, http.MethodGet, "/api/users/currentuser", "", cookie)
	wantStatus(t, rec, http.StatusOK)
	var body struct {
		CurrentUser *struct {
			ID    string `json:"id"`
			Email string `json:"email"`
			Iat   int64  `json:"iat"`
			Exp   int64  `json:"exp"`
		} `json:"currentUser"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	cu := body.CurrentUser
	if cu == nil {
		t.Fatalf("currentUser = null, want the signed-in user; body %s", rec.Body)
	}
	if cu.Email != "test@test.com" || cu.ID != claimsOf(t, cookie).ID {
		t.Errorf("currentUser = %+v, want test@test.com with the cookie's id", cu)
	}
	if got := time.Duration(cu.Exp-cu.Iat) * time.Second; got != ttl {
		t.Errorf("exp - iat = %v, want the token lifetime %v", got, ttl)
	}
}

func TestCurrentUserNullWhenSignedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expired, _ := auth.Sign(jwtKey, auth.User{ID: "u1", Email: "a@b.co"}, time.Now().Add(-2*ttl), ttl)
	forged, _ := auth.Sign([]byte("other key"), auth.User{ID: "u1", Email: "a@b.co"}, time.Now(), ttl)
	tests := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"no cookie", nil},
		{"garbage", &http.Cookie{Name: "session", Value: "not-base64!"}},
		{"expired token", &http.Cookie{Name: "session", Value: auth.EncodeCookie(expired)}},
		{"forged token", &http.Cookie{Name: "session", Value: auth.EncodeCookie(forged)}},
		{"alg none", &http.Cookie{Name: "session", Value: auth.EncodeCookie(
			"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpZCI6InUxIiwiZW1haWwiOiJhQGIuY28iLCJleHAiOjQxMDI0NDQ4MDB9.")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var cookies []*http.Cookie
			if tt.cookie != nil {
				cookies = append(cookies, tt.cookie)
			}
			rec := e.do(t, http.MethodGet, "/api/users/currentuser", "", cookies...)
			wantStatus(t, rec, http.StatusOK)
			if got, want := strings.TrimSpace(rec.Body.String()), `{"currentUser":null}`; got != want {
				t.Errorf("body = %s, want %s", got, want)
			}
		})
	}
}

func TestSigninFailsForUnknownEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.do(t, http.MethodPost, "/api/users/signin", creds("test@test.com", "password"))
	wantInvalidCredentials(t, rec)
}

func TestSigninFailsForWrongPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signup(t, "test@test.com", "password")
	rec := e.do(t, http.MethodPost, "/api/users/signin", creds("test@test.com", "passwordx"))
	wantInvalidCredentials(t, rec)
}

// wantInvalidCredentials checks a failed sign-in: 400 "Invalid
// credentials", and no cookie.
func wantInvalidCredentials(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	wantErrors(t, rec, http.StatusBadRequest, web.FieldError{Message: "Invalid credentials"})
	if len(rec.Result().Cookies()) != 0 {
		t.Errorf("a failed sign-in set cookies: %q", rec.Header().Values("Set-Cookie"))
	}
}

func TestSigninSetsCookieForValidCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	up := e.signup(t, "test@test.com", "password")

	rec := e.do(t, http.MethodPost, "/api/users/signin", creds("test@test.com", "password"))
	wantStatus(t, rec, http.StatusOK)
	u := decodeUser(t, rec)
	c := sessionCookie(t, rec)
	claims := claimsOf(t, c)
	if u.Email != "test@test.com" || u.ID != claimsOf(t, up).ID || claims.ID != u.ID || claims.Email != u.Email {
		t.Errorf("signin user %+v, token %+v; want the signed-up user in both", u, claims.User)
	}
	if c.Path != "/" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure {
		t.Errorf("cookie %+v, want Path=/ HttpOnly SameSite=Lax and not Secure (not configured)", c)
	}
}

func TestSignoutClearsCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cookie := e.signup(t, "test@test.com", "password")

	rec := e.do(t, http.MethodPost, "/api/users/signout", "", cookie)
	wantStatus(t, rec, http.StatusOK)
	if got, want := strings.TrimSpace(rec.Body.String()), `{}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	set := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"session=;", "Path=/", "Expires=Thu, 01 Jan 1970 00:00:00 GMT", "Max-Age=0", "HttpOnly"} {
		if !strings.Contains(set, want) {
			t.Errorf("Set-Cookie = %q, want it to contain %q", set, want)
		}
	}
}

func TestSignupReturns201(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds("test@test.com", "password"))
	wantStatus(t, rec, http.StatusCreated)
	u := decodeUser(t, rec)
	if u.Email != "test@test.com" || len(u.ID) != 24 {
		t.Errorf("user = %+v, want test@test.com with a 24-hex id", u)
	}
}

func TestSignupRejectsInvalidEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, email := range []string{"alskdflaskjfd", "test@test", "Ann <test@test.com>", "test@", "   "} {
		rec := e.do(t, http.MethodPost, "/api/users/signup", creds(email, "password"))
		wantErrors(t, rec, http.StatusBadRequest, web.FieldError{Field: "email", Message: "Email must be valid"})
	}
}

func TestSignupRejectsInvalidPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for name, pw := range map[string]string{
		"too short":              "p",
		"too short once trimmed": "   abc   ",
		"too long":               strings.Repeat("a", 21),
		"too long in characters": strings.Repeat("é", 21),
	} {
		t.Run(name, func(t *testing.T) {
			rec := e.do(t, http.MethodPost, "/api/users/signup", creds("test@test.com", pw))
			wantErrors(t, rec, http.StatusBadRequest,
				web.FieldError{Field: "password", Message: "Password must be between 4 and 20 characters"})
		})
	}
	// 20 characters of two bytes each is allowed.
	wantStatus(t, e.do(t, http.MethodPost, "/api/users/signup", creds("test@test.com", strings.Repeat("é", 20))), http.StatusCreated)
}

func TestSignupRejectsMissingFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	emailErr := web.FieldError{Field: "email", Message: "Email must be valid"}
	pwErr := web.FieldError{Field: "password", Message: "Password must be between 4 and 20 characters"}
	tests := []struct {
		body string
		want []web.FieldError
	}{
		{`{"email":"test@test.com"}`, []web.FieldError{pwErr}},
		{`{"password":"password"}`, []web.FieldError{emailErr}},
		{`{}`, []web.FieldError{emailErr, pwErr}},
		{``, []web.FieldError{emailErr, pwErr}},
		{`{"email":null,"password":null}`, []web.FieldError{emailErr, pwErr}},
	}
	for _, tt := range tests {
		rec := e.do(t, http.MethodPost, "/api/users/signup", tt.body)
		wantErrors(t, rec, http.StatusBadRequest, tt.want...)
	}
}

func TestSignupRejectsDuplicateEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signup(t, "test@test.com", "password")
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds("test@test.com", "password"))
	wantErrors(t, rec, http.StatusBadRequest, web.FieldError{Message: "Email in use"})
}

func TestSignupSetsCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds("test@test.com", "password"))
	wantStatus(t, rec, http.StatusCreated)
	u := decodeUser(t, rec)
	if claims := claimsOf(t, sessionCookie(t, rec)); claims.User != (auth.User{ID: u.ID, Email: u.Email}) {
		t.Errorf("token user = %+v, want %+v", claims.User, u)
	}
}

// The fixes.

func TestSignupDuplicateIgnoresCaseAndSpaces(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds("  Test@Test.COM ", "password"))
	wantStatus(t, rec, http.StatusCreated)
	if u := decodeUser(t, rec); u.Email != "test@test.com" {
		t.Errorf("email = %q, want it stored trimmed and lower-cased", u.Email)
	}
	for _, email := range []string{"test@test.com", "TEST@TEST.COM", " test@Test.com\t"} {
		rec := e.do(t, http.MethodPost, "/api/users/signup", creds(email, "password"))
		wantErrors(t, rec, http.StatusBadRequest, web.FieldError{Message: "Email in use"})
	}
	// Signing in works with any spelling of it.
	rec = e.do(t, http.MethodPost, "/api/users/signin", creds(" TEST@test.com ", "password"))
	wantStatus(t, rec, http.StatusOK)
}

func TestSignupConcurrentOneEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 20
	codes := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Different spellings of one address, all at once.
			email := "race@test.com"
			if i%2 == 1 {
				email = " Race@Test.com "
			}
			rec := e.do(t, http.MethodPost, "/api/users/signup", creds(email, fmt.Sprintf("password%d", i)))
			codes[i], bodies[i] = rec.Code, strings.TrimSpace(rec.Body.String())
		})
	}
	wg.Wait()
	created := 0
	for i, code := range codes {
		switch {
		case code == http.StatusCreated:
			created++
		case code == http.StatusBadRequest && bodies[i] == `{"errors":[{"message":"Email in use"}]}`:
		default:
			t.Errorf("signup %d: %d %s, want 201 or 400 Email in use", i, code, bodies[i])
		}
	}
	if created != 1 {
		t.Errorf("%d signups of one email succeeded, want exactly 1 (codes %v)", created, codes)
	}
}

func TestSigninSameAnswerForUnknownEmailAndWrongPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signup(t, "known@test.com", "password")
	unknown := e.do(t, http.MethodPost, "/api/users/signin", creds("unknown@test.com", "password"))
	wrong := e.do(t, http.MethodPost, "/api/users/signin", creds("known@test.com", "wrongpass"))
	if unknown.Code != wrong.Code || unknown.Body.String() != wrong.Body.String() {
		t.Errorf("unknown email: %d %s; wrong password: %d %s; want the same answer",
			unknown.Code, unknown.Body, wrong.Code, wrong.Body)
	}
	wantErrors(t, wrong, http.StatusBadRequest, web.FieldError{Message: "Invalid credentials"})
}

func TestSigninValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		body string
		want []web.FieldError
	}{
		{creds("test@test.com", ""), []web.FieldError{{Field: "password", Message: "You must supply a password"}}},
		{creds("test@test.com", "   "), []web.FieldError{{Field: "password", Message: "You must supply a password"}}},
		{`{"email":"test@test.com"}`, []web.FieldError{{Field: "password", Message: "You must supply a password"}}},
		{creds("not-an-email", "password"), []web.FieldError{{Field: "email", Message: "Email must be valid"}}},
		{`{}`, []web.FieldError{{Field: "email", Message: "Email must be valid"}, {Field: "password", Message: "You must supply a password"}}},
	}
	for _, tt := range tests {
		rec := e.do(t, http.MethodPost, "/api/users/signin", tt.body)
		wantErrors(t, rec, http.StatusBadRequest, tt.want...)
	}
}

// The password is trimmed at sign-up and at sign-in alike.
func TestPasswordIsTrimmed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signup(t, "test@test.com", "  password  ")
	for _, pw := range []string{"password", " password", "  password  "} {
		wantStatus(t, e.do(t, http.MethodPost, "/api/users/signin", creds("test@test.com", pw)), http.StatusOK)
	}
	wantStatus(t, e.do(t, http.MethodPost, "/api/users/signin", creds("test@test.com", "pass word")), http.StatusBadRequest)
}

func TestStoredValueIsNotThePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const pw = "hunter22"
	e.signup(t, "Test@Test.com", pw)
	stored := e.store.StoredHash(t, "test@test.com")
	if stored == pw || strings.Contains(stored, pw) {
		t.Fatalf("stored password %q is or contains the password", stored)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(stored, want) {
		t.Errorf("stored password %q, want an argon2id PHC string starting %q", stored, want)
	}
	if ok, err := hasher().Verify(t.Context(), stored, pw); err != nil || !ok {
		t.Errorf("Verify(stored, password) = %v, %v; want true", ok, err)
	}
}

// Neither the hash nor its parts appear in any response (body or header)
// or log line, whatever the route and outcome.
func TestHashNeverExposed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cookie := e.signup(t, "test@test.com", "password")
	stored := e.store.StoredHash(t, "test@test.com")
	parts := strings.Split(stored, "$") // "", "argon2id", "v=19", params, salt, key
	secrets := []string{stored, parts[4], parts[5], "argon2"}

	var responses []string
	record := func(method, path, body string, cookies ...*http.Cookie) {
		rec := e.do(t, method, path, body, cookies...)
		var b strings.Builder
		rec.Header().Write(&b)
		responses = append(responses, fmt.Sprintf("%s %s → %d\n%s\n%s", method, path, rec.Code, b.String(), rec.Body))
	}
	record(http.MethodPost, "/api/users/signup", creds("test@test.com", "password"))
	record(http.MethodPost, "/api/users/signup", creds("other@test.com", "password"))
	record(http.MethodPost, "/api/users/signup", `{"email":`)
	record(http.MethodPost, "/api/users/signin", creds("test@test.com", "password"))
	record(http.MethodPost, "/api/users/signin", creds("test@test.com", "wrong"))
	record(http.MethodPost, "/api/users/signin", creds("nobody@test.com", "password"))
	record(http.MethodGet, "/api/users/currentuser", "", cookie)
	record(http.MethodPost, "/api/users/signout", "", cookie)
	record(http.MethodGet, "/api/users/nope", "")

	logs := e.logs.String()
	if !strings.Contains(logs, "user signed up") {
		t.Fatalf("log capture is not working; logs:\n%s", logs)
	}
	for _, s := range secrets {
		for _, r := range responses {
			if strings.Contains(r, s) {
				t.Errorf("response contains %q:\n%s", s, r)
			}
		}
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q:\n%s", s, logs)
		}
	}
}

func TestBadBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	huge := `{"email":"test@test.com","password":"` + strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name, body, contentType string
		want                    int
	}{
		{"malformed JSON", `{"email":"test@test.com",`, "application/json", http.StatusBadRequest},
		{"not JSON", `email=test@test.com`, "application/json", http.StatusBadRequest},
		{"email a number", `{"email":5,"password":"password"}`, "application/json", http.StatusBadRequest},
		{"password a boolean", `{"email":"test@test.com","password":true}`, "application/json", http.StatusBadRequest},
		{"password an object", `{"email":"test@test.com","password":{"$ne":""}}`, "application/json", http.StatusBadRequest},
		{"an array", `[{"email":"test@test.com","password":"password"}]`, "application/json", http.StatusBadRequest},
		{"two objects", creds("test@test.com", "password") + creds("a@b.co", "password"), "application/json", http.StatusBadRequest},
		{"over 1 MiB", huge, "application/json", http.StatusRequestEntityTooLarge},
		{"form", `email=test@test.com&password=password`, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
	}
	for _, path := range []string{"/api/users/signup", "/api/users/signin"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(tt.body))
				req.Header.Set("Content-Type", tt.contentType)
				rec := recorder(e, req)
				wantErrors(t, rec, tt.want)
				if len(rec.Result().Cookies()) != 0 {
					t.Errorf("a rejected request set a cookie")
				}
			})
		}
	}
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantErrors(t, e.do(t, http.MethodGet, "/api/users/nope", ""), http.StatusNotFound, web.FieldError{Message: "Not Found"})
	wantErrors(t, e.do(t, http.MethodGet, "/api/users/signup", ""), http.StatusMethodNotAllowed)
	wantErrors(t, e.do(t, http.MethodDelete, "/api/users/currentuser", ""), http.StatusMethodNotAllowed)
}

func TestProbes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantStatus(t, e.do(t, http.MethodGet, "/healthz", ""), http.StatusOK)
	wantStatus(t, e.do(t, http.MethodGet, "/readyz", ""), http.StatusOK)
}
