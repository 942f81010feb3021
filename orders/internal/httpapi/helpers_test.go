package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/web"
)

// What the hermetic tests (api_test.go) and the integration tests share.

var (
	key     = []byte("orders-test-key-0123456789abcdef")
	discard = slog.New(slog.DiscardHandler)
	window  = 15 * time.Minute
)

// serve sends a request as user (nil: signed out) to h and returns the
// response.
func serve(t testing.TB, h http.Handler, user *auth.User, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return authtest.Serve(t, h, key, user, method, path, body)
}

type orderJSON struct {
	ID        string `json:"id"`
	UserID    string `json:"userId"`
	Status    string `json:"status"`
	ExpiresAt string `json:"expiresAt"`
	Version   int64  `json:"version"`
	Ticket    struct {
		ID      string  `json:"id"`
		Title   string  `json:"title"`
		Price   float64 `json:"price"`
		Version int64   `json:"version"`
	} `json:"ticket"`
}

type errorsJSON struct {
	Errors []web.FieldError `json:"errors"`
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

func user(id string) *auth.User {
	return &auth.User{ID: id, Email: id + "@test.dev"}
}
