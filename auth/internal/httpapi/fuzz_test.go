package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/web"
)

// The request decoders under fuzzing: any body and content type gives
// either credentials that pass the rules or a 4xx in the error shape, never
// a panic. `go test` runs the seeds; `make fuzz` explores.

func FuzzDecodeSignUp(f *testing.F) {
	fuzzCredentials(f, decodeSignUp, func(c credentials) bool {
		return user.ValidEmail(c.Email) && user.ValidPassword(user.NormalizePassword(c.Password))
	})
}

func FuzzDecodeSignIn(f *testing.F) {
	fuzzCredentials(f, decodeSignIn, func(c credentials) bool {
		return user.ValidEmail(c.Email) && user.NormalizePassword(c.Password) != ""
	})
}

func fuzzCredentials(f *testing.F, decode func(*http.Request) (credentials, error), valid func(credentials) bool) {
	for _, body := range []string{
		`{"email":"ann@example.com","password":"secret"}`,
		`{"email":"  Ann@Example.COM ","password":"  pass  "}`,
		`{"email":"ann@example.com","password":"` + strings.Repeat("p", 21) + `"}`,
		`{"email":"ann@localhost","password":"secret"}`,
		`{"email":"Ann <ann@example.com>","password":"secret"}`,
		`{"email":"\"ann\"@example.com","password":"secret"}`,
		`{"email":"ann@[127.0.0.1]","password":"secret"}`,
		`{"email":{"$gt":""},"password":"secret"}`,
		`{"email":"ann@example.com","password":["secret"]}`,
		`{"email":"ann@example.com","password":"\u0000\u0000\u0000\u0000"}`,
		`{"email":"ann@example.com","password":"\ud800\ud800"}`,
		`{"email":"ann@example.com","password":"secret","extra":[[[[]]]]}`,
		`{"email":"ann@example.com"}{"x":1}`,
		`[{"email":"ann@example.com","password":"secret"}]`,
		`{"email":"ann@example.com","password":"sec`,
		``, `null`, `{}`, `"x"`,
	} {
		f.Add("application/json", []byte(body))
	}
	f.Add("", []byte(`{"email":"ann@example.com","password":"secret"}`))
	f.Add("text/plain", []byte(`{"email":"ann@example.com","password":"secret"}`))
	f.Add("application/vnd.api+json; charset=utf-8", []byte(`{"email":"ann@example.com","password":"secret"}`))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/users/signup", bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		c, err := decode(r)
		if err != nil {
			checkClientError(t, err, "email", "password")
			return
		}
		if !valid(c) {
			t.Fatalf("decoded %+v from %q, which breaks the rules", c, body)
		}
	})
}

// checkClientError fails unless err is a 4xx *web.Error with messages, each
// on one of fields or on none.
func checkClientError(t *testing.T, err error, fields ...string) {
	t.Helper()
	var e *web.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *web.Error: it would be a 500", err)
	}
	if e.Status < 400 || e.Status > 499 || len(e.Errors) == 0 {
		t.Fatalf("error %v: want a 4xx with messages", e)
	}
	for _, fe := range e.Errors {
		if fe.Message == "" || (fe.Field != "" && !slices.Contains(fields, fe.Field)) {
			t.Fatalf("error entry %+v: want a message, on one of %v or none", fe, fields)
		}
	}
}
