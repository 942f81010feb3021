//go:build integration

package e2e_test

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
)

const tokenTestKey = "tokens-test-jwt-key-of-32-bytes-or-more"

var b64 = base64.RawURLEncoding

// jwtParts returns the signing input of a token with this header and claims.
func jwtParts(t *testing.T, header, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(h) + "." + b64.EncodeToString(c)
}

func hmacSign(input string, key []byte, h func() hash.Hash) string {
	m := hmac.New(h, key)
	m.Write([]byte(input))
	return input + "." + b64.EncodeToString(m.Sum(nil))
}

// sessionCookie wraps a token the way the session cookie carries it.
func sessionCookie(token string) string {
	b, _ := json.Marshal(map[string]string{"jwt": token})
	return "session=" + base64.StdEncoding.EncodeToString(b)
}

// TestForgedSessions sends sessions that must not verify — wrong
// algorithms, forged signatures, expired or not yet valid tokens, cookies
// that are not a session at all — to every service: each must treat the
// request as signed out. A well-formed token is checked first, so the
// suite is known to sign like the services do.
func TestForgedSessions(t *testing.T) {
	t.Parallel()
	base := startApp(t, map[string]string{"JWT_KEY": tokenTestKey})
	key := []byte(tokenTestKey)
	now := time.Now()

	seller := newUser(t, base)
	var tk ticket
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Token test", "price": 3}, 201, &tk)
	buyer := newUser(t, base)
	o := placeOrder(t, buyer, tk.ID)
	var me struct {
		CurrentUser struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"currentUser"`
	}
	buyer.mustDo("GET", "/api/users/currentuser", nil, 200, &me)

	// Claims of the buyer: a valid token with them may do what the buyer may.
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"id": me.CurrentUser.ID, "email": me.CurrentUser.Email, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iss": auth.Issuer, "aud": auth.Audience}
		for k, v := range extra {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	hs256 := map[string]any{"alg": "HS256", "typ": "JWT"}
	valid := hmacSign(jwtParts(t, hs256, claims(nil)), key, sha256.New)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rs256Input := jwtParts(t, map[string]any{"alg": "RS256", "typ": "JWT"}, claims(nil))
	digest := sha256.Sum256([]byte(rs256Input))
	rsaSig, err := rsa.SignPKCS1v15(rand.Reader, rsaKey, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	validParts := strings.Split(valid, ".")
	otherPayload := b64.EncodeToString([]byte(`{"id":"000000000000000000000000","email":"admin@example.com","iat":1,"exp":99999999999}`))

	sessions := []struct{ name, cookie string }{
		{"alg none, no signature", "session=" + cookieOf(jwtParts(t, map[string]any{"alg": "none", "typ": "JWT"}, claims(nil))+".")},
		{"alg none, HMAC signature kept", sessionCookie(jwtParts(t, map[string]any{"alg": "none"}, claims(nil)) + "." + validParts[2])},
		{"alg NONE upper case", sessionCookie(jwtParts(t, map[string]any{"alg": "NONE"}, claims(nil)) + ".")},
		{"HS512 with the key", sessionCookie(hmacSign(jwtParts(t, map[string]any{"alg": "HS512", "typ": "JWT"}, claims(nil)), key, sha512.New))},
		{"HS384 with the key", sessionCookie(hmacSign(jwtParts(t, map[string]any{"alg": "HS384", "typ": "JWT"}, claims(nil)), key, sha512.New384))},
		{"RS256 signed by another key", sessionCookie(rs256Input + "." + b64.EncodeToString(rsaSig))},
		{"RS256 header, HMAC key as public key", sessionCookie(hmacSign(jwtParts(t, map[string]any{"alg": "RS256", "typ": "JWT"}, claims(nil)), key, sha256.New))},
		{"ES256 header, HMAC signature", sessionCookie(hmacSign(jwtParts(t, map[string]any{"alg": "ES256"}, claims(nil)), key, sha256.New))},
		{"HS256 signed with another key", sessionCookie(hmacSign(jwtParts(t, hs256, claims(nil)), []byte("guessed-key"), sha256.New))},
		{"HS256 signed with an empty key", sessionCookie(hmacSign(jwtParts(t, hs256, claims(nil)), nil, sha256.New))},
		{"payload swapped, signature kept", sessionCookie(validParts[0] + "." + otherPayload + "." + validParts[2])},
		{"signature stripped", sessionCookie(validParts[0] + "." + validParts[1] + ".")},
		{"signature truncated", sessionCookie(valid[:len(valid)-4])},
		{"signature of another token", sessionCookie(validParts[0] + "." + validParts[1] + "." + strings.Split(hmacSign(jwtParts(t, hs256, claims(map[string]any{"id": "x"})), key, sha256.New), ".")[2])},
		{"expired", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})), key, sha256.New))},
		{"no expiry", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"exp": nil})), key, sha256.New))},
		{"not yet valid (nbf)", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"nbf": now.Add(time.Hour).Unix()})), key, sha256.New))},
		{"another issuer", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"iss": "someone-else"})), key, sha256.New))},
		{"no audience", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"aud": nil})), key, sha256.New))},
		{"issued in the future", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"iat": now.Add(time.Hour).Unix()})), key, sha256.New))},
		{"exp a string", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"exp": "never"})), key, sha256.New))},
		{"no user id", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"id": nil})), key, sha256.New))},
		{"user id an object", sessionCookie(hmacSign(jwtParts(t, hs256, claims(map[string]any{"id": map[string]any{"$ne": nil}})), key, sha256.New))},
		{"token of four parts", sessionCookie(valid + ".x")},
		{"token with spaces", sessionCookie(" " + valid + " ")},
		{"raw token, not wrapped", "session=" + valid},
		{"garbage", "session=garbage"},
		{"not base64", "session=!!!%%%***"},
		{"base64, not JSON", "session=" + base64.StdEncoding.EncodeToString([]byte("not json at all"))},
		{"base64 JSON, jwt not a string", "session=" + base64.StdEncoding.EncodeToString([]byte(`{"jwt":42}`))},
		{"base64 JSON, jwt empty", "session=" + base64.StdEncoding.EncodeToString([]byte(`{"jwt":""}`))},
		{"base64 JSON array", "session=" + base64.StdEncoding.EncodeToString([]byte(`["`+valid+`"]`))},
		{"base64 of a huge token", sessionCookie(strings.Repeat("A", 3000) + "." + strings.Repeat("B", 3000) + "." + strings.Repeat("C", 100))},
		{"empty cookie", "session="},
		{"valid token under another name", "other" + sessionCookie(valid)},
	}

	type check struct {
		method, path, body string
	}
	protected := []check{
		{"POST", "/api/tickets", `{"title":"Forged","price":1}`},
		{"PUT", "/api/tickets/" + tk.ID, `{"title":"Forged","price":1}`},
		{"POST", "/api/orders", `{"ticketId":"` + tk.ID + `"}`},
		{"GET", "/api/orders", ""},
		{"GET", "/api/orders/" + o.ID, ""},
		{"DELETE", "/api/orders/" + o.ID, ""},
		{"POST", "/api/payments", `{"token":"tok_visa","orderId":"` + o.ID + `"}`},
	}
	request := func(c check, cookie string) rawRequest {
		rq := rawRequest{method: c.method, path: c.path, cookie: cookie}
		if c.body != "" {
			rq.ctype, rq.body = jsonType, []byte(c.body)
		}
		return rq
	}

	// Control: the well-formed token is the buyer's session everywhere.
	t.Run("control: a valid token signs in", func(t *testing.T) {
		cookie := sessionCookie(valid)
		var got struct{ CurrentUser *struct{ ID string } }
		a := send(t, base, rawRequest{method: "GET", path: "/api/users/currentuser", cookie: cookie})
		if err := json.Unmarshal(a.body, &got); err != nil || got.CurrentUser == nil || got.CurrentUser.ID != me.CurrentUser.ID {
			t.Fatalf("currentuser with a valid token = %d %s", a.status, a.body)
		}
		if a := send(t, base, request(check{"GET", "/api/orders/" + o.ID, ""}, cookie)); a.status != 200 {
			t.Fatalf("GET own order with a valid token = %d %s", a.status, a.body)
		}
		if page := send(t, base, rawRequest{method: "GET", path: "/", cookie: cookie}); !strings.Contains(string(page.body), `id="signout"`) {
			t.Fatalf("landing page with a valid token shows no Sign Out")
		}
	})

	for _, s := range sessions {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range protected {
				a := send(t, base, request(c, s.cookie))
				if a.status != 401 || strings.TrimSpace(string(a.body)) != `{"errors":[{"message":"Not authorized"}]}` {
					t.Errorf("%s %s = %d %s, want 401 Not authorized", c.method, c.path, a.status, trim(string(a.body)))
				}
			}
			a := send(t, base, rawRequest{method: "GET", path: "/api/users/currentuser", cookie: s.cookie})
			if a.status != 200 || strings.TrimSpace(string(a.body)) != `{"currentUser":null}` {
				t.Errorf("currentuser = %d %s, want 200 {\"currentUser\":null}", a.status, trim(string(a.body)))
			}
			if a := send(t, base, rawRequest{method: "GET", path: "/api/tickets/" + tk.ID, cookie: s.cookie}); a.status != 200 {
				t.Errorf("public ticket page = %d %s, want 200", a.status, trim(string(a.body)))
			}
			page := send(t, base, rawRequest{method: "GET", path: "/", cookie: s.cookie})
			html := string(page.body)
			if page.status != 200 || !strings.Contains(html, `id="nav-signin"`) || strings.Contains(html, `id="signout"`) {
				t.Errorf("landing page = %d, want the signed-out header (Sign In, no Sign Out)", page.status)
			}
			if p := send(t, base, rawRequest{method: "GET", path: "/orders", cookie: s.cookie}); p.status != 303 || p.header.Get("Location") != "/auth/signin" {
				t.Errorf("GET /orders = %d to %q, want 303 to /auth/signin", p.status, p.header.Get("Location"))
			}
		})
	}
	t.Cleanup(func() {
		var got struct {
			ticket
			UserID string `json:"userId"`
		}
		eventually(t, "ticket reserved by the order, and nothing else", func() bool {
			seller.mustDo("GET", "/api/tickets/"+tk.ID, nil, 200, &got)
			return got.OrderID == o.ID
		})
		if got.Title != "Token test" || got.Version != 1 || got.UserID == me.CurrentUser.ID {
			t.Errorf("ticket after forged sessions = %+v, want unchanged but reserved (version 1)", got)
		}
		var ord order
		buyer.mustDo("GET", "/api/orders/"+o.ID, nil, 200, &ord)
		if ord.Status != "created" {
			t.Errorf("order after forged sessions = %+v, want still created", ord)
		}
	})
}

// cookieOf wraps a token in the session cookie's value (base64 of
// {"jwt":…}).
func cookieOf(token string) string {
	return strings.TrimPrefix(sessionCookie(token), "session=")
}
