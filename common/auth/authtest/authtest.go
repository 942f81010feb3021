// Package authtest mints session cookies for tests and sends requests
// with them.
package authtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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

// Serve sends method path to h as user (nil: signed out, else with a
// session cookie signed with key) and returns the recorded answer. A
// non-empty body is sent as JSON.
func Serve(t testing.TB, h http.Handler, key []byte, user *auth.User, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	contentType := ""
	if body != "" {
		contentType = "application/json"
	}
	return ServeType(t, h, key, user, method, path, contentType, body)
}

// ServeType is Serve with the body sent as contentType (no Content-Type
// header when it is empty).
func ServeType(t testing.TB, h http.Handler, key []byte, user *auth.User, method, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if user != nil {
		req.AddCookie(Cookie(t, key, *user))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
