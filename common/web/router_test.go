package web_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gittix/ticketing/common/web"
)

func TestNewRouter(t *testing.T) {
	t.Parallel()
	ready := errors.New("down")
	r := web.NewRouter(slog.New(slog.DiscardHandler), map[string]web.Check{"db": func(context.Context) error { return ready }})
	r.Get("/api/x", func(http.ResponseWriter, *http.Request) { panic("boom") })
	for _, tc := range []struct {
		name, method, path string
		code               int
		body               string
	}{
		{"healthz", http.MethodGet, "/healthz", 200, "ok"},
		{"readyz names the failing check", http.MethodGet, "/readyz", 503, `{"errors":[{"message":"db is not ready"}]}`},
		{"unknown path", http.MethodGet, "/nope", 404, `"errors"`},
		{"wrong method", http.MethodPost, "/api/x", 405, `"errors"`},
		{"panic", http.MethodGet, "/api/x", 500, `"errors"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if got, want := w.Code, tc.code; got != want {
				t.Errorf("status = %d, want %d", got, want)
			}
			if got := w.Body.String(); !strings.Contains(got, tc.body) {
				t.Errorf("body = %q, want it to contain %q", got, tc.body)
			}
		})
	}
}
