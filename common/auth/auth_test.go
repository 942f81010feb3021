package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gittix/ticketing/common/auth"
)

var key = []byte("test-key")

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tok, err := auth.Sign(key, auth.User{ID: "u1", Email: "a@b.co"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.Verify(key, tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "u1" || c.Email != "a@b.co" || c.IssuedAt != now.Unix() || c.ExpiresAt != now.Add(time.Hour).Unix() {
		t.Errorf("claims = %+v", c)
	}
	b, _ := json.Marshal(c)
	if got, want := string(b), `{"id":"u1","email":"a@b.co","iat":`; !strings.HasPrefix(got, want) {
		t.Errorf("claims JSON = %s, want prefix %s", got, want)
	}
}

// TestVerifyToleratesClockSkew: a token signed on a pod whose clock runs
// a few seconds ahead (or behind) is accepted.
func TestVerifyToleratesClockSkew(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, skew := range []time.Duration{2 * time.Second, -2 * time.Second, auth.Leeway - time.Second} {
		tok, err := auth.Sign(key, auth.User{ID: "u1", Email: "a@b.co"}, now.Add(skew), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.Verify(key, tok, now); err != nil {
			t.Errorf("token signed %v away: %v, want accepted", skew, err)
		}
	}
	// Expired by less than the leeway: still accepted.
	tok, err := auth.Sign(key, auth.User{ID: "u1"}, now.Add(-time.Hour-10*time.Second), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Verify(key, tok, now); err != nil {
		t.Errorf("token expired 10 s ago: %v, want accepted within the leeway", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	now := time.Now()
	claims := jwt.MapClaims{"id": "u1", "email": "a@b.co", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iss": auth.Issuer, "aud": auth.Audience}
	sign := func(m jwt.SigningMethod, k any, c jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, c).SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for kk, vv := range claims {
			c[kk] = vv
		}
		c[k] = v
		if v == nil {
			delete(c, k)
		}
		return c
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(jwt.SigningMethodHS256, key, claims)
	parts := strings.Split(valid, ".")
	noneHeader := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))

	tests := []struct{ name, token string }{
		{"alg none", noneHeader + "." + parts[1] + "."},
		{"alg none unsafe", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims)},
		{"HS512", sign(jwt.SigningMethodHS512, key, claims)},
		{"RS256", sign(jwt.SigningMethodRS256, rsaKey, claims)},
		{"other key", sign(jwt.SigningMethodHS256, []byte("other"), claims)},
		{"forged payload", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"id":"admin","exp":9999999999}`)) + "." + parts[2]},
		{"expired", sign(jwt.SigningMethodHS256, key, with("exp", now.Add(-time.Minute).Unix()))},
		{"no exp", sign(jwt.SigningMethodHS256, key, jwt.MapClaims{"id": "u1", "email": "a@b.co"})},
		{"not yet valid", sign(jwt.SigningMethodHS256, key, with("nbf", now.Add(time.Hour).Unix()))},
		{"issued in future", sign(jwt.SigningMethodHS256, key, with("iat", now.Add(time.Hour).Unix()))},
		{"no id", sign(jwt.SigningMethodHS256, key, with("id", ""))},
		{"other issuer", sign(jwt.SigningMethodHS256, key, with("iss", "someone-else"))},
		{"no issuer", sign(jwt.SigningMethodHS256, key, with("iss", nil))},
		{"other audience", sign(jwt.SigningMethodHS256, key, with("aud", "another-app"))},
		{"no audience", sign(jwt.SigningMethodHS256, key, with("aud", nil))},
		{"expired past the leeway", sign(jwt.SigningMethodHS256, key, with("exp", now.Add(-auth.Leeway-time.Second).Unix()))},
		{"garbage", "garbage"},
		{"empty", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if c, err := auth.Verify(key, tc.token, now); err == nil {
				t.Errorf("Verify accepted %q: %+v", tc.token, c)
			}
		})
	}
}

func TestCookieCodec(t *testing.T) {
	t.Parallel()
	v := auth.EncodeCookie("abc.def.ghi")
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(raw), `{"jwt":"abc.def.ghi"}`; got != want {
		t.Errorf("cookie JSON = %s, want %s", got, want)
	}
	tok, err := auth.DecodeCookie(v)
	if err != nil || tok != "abc.def.ghi" {
		t.Errorf("DecodeCookie = %q, %v", tok, err)
	}
	for _, bad := range []string{"", "%%%", "bm90IGpzb24=", base64.StdEncoding.EncodeToString([]byte(`{"jwt":""}`)), base64.StdEncoding.EncodeToString([]byte(`{"jwt":5}`))} {
		if _, err := auth.DecodeCookie(bad); err == nil {
			t.Errorf("DecodeCookie(%q) accepted", bad)
		}
	}
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	v := auth.Verifier{Key: key}
	log := slog.New(slog.DiscardHandler)
	h := v.CurrentUser(auth.RequireAuth(log)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := auth.UserFrom(r.Context())
		if !ok {
			t.Error("no user in context")
		}
		w.Write([]byte(u.ID))
	})))
	tok, _ := auth.Sign(key, auth.User{ID: "u1", Email: "a@b.co"}, time.Now(), time.Hour)
	expired, _ := auth.Sign(key, auth.User{ID: "u1"}, time.Now().Add(-2*time.Hour), time.Hour)

	tests := []struct {
		name   string
		cookie *http.Cookie
		status int
	}{
		{"signed in", &http.Cookie{Name: "session", Value: auth.EncodeCookie(tok)}, 200},
		{"no cookie", nil, 401},
		{"garbage cookie", &http.Cookie{Name: "session", Value: "!!garbage!!"}, 401},
		{"non-base64 JSON", &http.Cookie{Name: "session", Value: `{"jwt":"x"}`}, 401},
		{"expired", &http.Cookie{Name: "session", Value: auth.EncodeCookie(expired)}, 401},
		{"other cookie name", &http.Cookie{Name: "other", Value: auth.EncodeCookie(tok)}, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			if tc.cookie != nil {
				r.AddCookie(tc.cookie)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if got, want := rec.Code, tc.status; got != want {
				t.Fatalf("status = %d, want %d", got, want)
			}
			if tc.status == 401 {
				if got, want := rec.Body.String(), `{"errors":[{"message":"Not authorized"}]}`+"\n"; got != want {
					t.Errorf("body = %q, want %q", got, want)
				}
			}
		})
	}
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	auth.CookieConfig{Secure: true}.SetSession(rec, "t")
	sc := rec.Header().Get("Set-Cookie")
	for _, want := range []string{"session=", "Path=/", "HttpOnly", "SameSite=Lax", "Secure"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	rec = httptest.NewRecorder()
	auth.CookieConfig{}.ClearSession(rec)
	sc = rec.Header().Get("Set-Cookie")
	if !strings.Contains(sc, "Max-Age=0") || strings.Contains(sc, "Secure") {
		t.Errorf("clearing Set-Cookie = %q", sc)
	}
}

func FuzzDecodeCookie(f *testing.F) {
	tok, _ := auth.Sign(key, auth.User{ID: "u1"}, time.Now(), time.Hour)
	f.Add(auth.EncodeCookie(tok))
	f.Add("")
	f.Add("eyJqd3QiOiJ4In0=")
	f.Fuzz(func(t *testing.T, v string) {
		tok, err := auth.DecodeCookie(v)
		if err != nil {
			return
		}
		auth.Verify(key, tok, time.Now()) // must not panic
	})
}
