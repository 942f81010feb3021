package httpapi_test

import (
	"net/http"
	"testing"
)

// BenchmarkSignIn is a whole POST /api/users/signin through the routes:
// decode, validation, the store lookup (MongoDB under the integration tag),
// the argon2id check at the production parameters and the session cookie.
func BenchmarkSignIn(b *testing.B) {
	e := newEnv(b)
	e.signup(b, "bench@test.com", "password")
	b.Logf("hash: %v", hasher().Params())
	for _, bc := range []struct {
		name, email, password string
		want                  int
	}{
		{"ok", "bench@test.com", "password", http.StatusOK},
		{"wrong-password", "bench@test.com", "wrongpass", http.StatusBadRequest},
		{"unknown-email", "nobody@test.com", "password", http.StatusBadRequest},
	} {
		body := creds(bc.email, bc.password)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := e.do(b, http.MethodPost, "/api/users/signin", body); rec.Code != bc.want {
					b.Fatalf("status %d, want %d: %s", rec.Code, bc.want, rec.Body)
				}
			}
		})
	}
}
