package auth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
)

// FuzzVerify: a token Verify accepts is an HS256 token whose signature is
// the HMAC of its first two parts under the key, naming a user and not
// expired; anything else is refused, never a panic.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	valid, _ := auth.Sign(key, auth.User{ID: "u1", Email: "a@b.co"}, now, time.Hour)
	parts := strings.Split(valid, ".")
	enc := base64.RawURLEncoding.EncodeToString
	for _, tok := range []string{
		valid,
		enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + ".",
		enc([]byte(`{"alg":"HS512","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2],
		enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2],
		enc([]byte(`{"alg":"HS256","typ":"JWT","kid":"../../etc/passwd"}`)) + "." + parts[1] + "." + parts[2],
		parts[0] + "." + enc([]byte(`{"id":"admin","exp":99999999999}`)) + "." + parts[2],
		parts[0] + "." + enc([]byte(`{"id":"u1","exp":"soon"}`)) + "." + parts[2],
		parts[0] + "." + parts[1] + ".",
		parts[0] + "." + parts[1],
		valid + ".x", "..", "", "garbage",
	} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := auth.Verify(key, token, now)
		if err != nil {
			return
		}
		p := strings.Split(token, ".")
		if len(p) != 3 {
			t.Fatalf("accepted %q: not three parts", token)
		}
		var header struct{ Alg string }
		raw, _ := base64.RawURLEncoding.DecodeString(p[0])
		if json.Unmarshal(raw, &header) != nil || header.Alg != "HS256" {
			t.Fatalf("accepted %q: header %s", token, raw)
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(p[0] + "." + p[1]))
		sig, _ := base64.RawURLEncoding.DecodeString(p[2])
		if !hmac.Equal(sig, m.Sum(nil)) {
			t.Fatalf("accepted %q with a signature that is not the key's", token)
		}
		if c.ID == "" || c.ExpiresAt <= now.Unix() {
			t.Fatalf("accepted %q: claims %+v", token, c)
		}
	})
}
