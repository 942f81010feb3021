// Package authtest mints session cookies for tests.
package authtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
)

// Cookie returns a valid session cookie for u, signed with key.
func Cookie(t testing.TB, key []byte, u auth.User) *http.Cookie {
	t.Helper()
	token, err := auth.Sign(key, u, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "session", Value: auth.EncodeCookie(token)}
}
