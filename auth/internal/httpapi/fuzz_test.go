package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/web/webtest"
)

// The request decoders under fuzzing: any body and content type gives
// either credentials that pass the rules or a 4xx in the error shape, never
// a panic.

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
	webtest.Decoder[credentials]{
		Path: "/api/users/signup", Decode: decode, Fields: []string{"email", "password"},
		Check: func(t *testing.T, c credentials, body []byte) {
			if !valid(c) {
				t.Fatalf("decoded %+v from %q, which breaks the rules", c, body)
			}
		},
		JSON: []string{
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
		},
		Other: [][2]string{
			{"", `{"email":"ann@example.com","password":"secret"}`},
			{"text/plain", `{"email":"ann@example.com","password":"secret"}`},
			{"application/vnd.api+json; charset=utf-8", `{"email":"ann@example.com","password":"secret"}`},
		},
	}.Fuzz(f)
}
