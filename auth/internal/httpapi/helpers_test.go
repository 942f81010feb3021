package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/auth/internal/httpapi"
	"github.com/gittix/ticketing/auth/internal/password"
	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

var jwtKey = []byte("test-jwt-key")

const ttl = time.Hour

// hasher is shared by all tests: the production parameters, computed once.
var hasher = sync.OnceValue(func() *password.Hasher {
	h, err := password.New(password.OWASP, 0)
	if err != nil {
		panic(err)
	}
	return h
})

// syncBuffer collects log output written by concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one service under test: the routes over a fresh store, with the
// log captured.
type env struct {
	h     http.Handler
	store testStore
	logs  *syncBuffer
}

// testStore is a user.Store whose raw stored hash a test can read.
type testStore interface {
	user.Store
	StoredHash(t testing.TB, email string) string
	Ready(context.Context) error // for /readyz
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, newStore(t), httpapi.Config{})
}

func newEnvWith(t testing.TB, store testStore, cfg httpapi.Config) *env {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Key, cfg.TokenTTL = jwtKey, ttl
	if cfg.Ready == nil {
		cfg.Ready = map[string]web.Check{"store": store.Ready}
	}
	api := httpapi.New(log, user.NewService(store, hasher(), log), cfg)
	return &env{h: api.Routes(), store: store, logs: logs}
}

// do sends a request with a JSON body (none when body is "").
func (e *env) do(t testing.TB, method, path, body string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func creds(email, password string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return string(b)
}

// signup signs a user up and returns the session cookie.
func (e *env) signup(t testing.TB, email, password string) *http.Cookie {
	t.Helper()
	rec := e.do(t, http.MethodPost, "/api/users/signup", creds(email, password))
	wantStatus(t, rec, http.StatusCreated)
	return sessionCookie(t, rec)
}

func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, want, rec.Body)
	}
}

// sessionCookie returns the "session" cookie a response sets.
func sessionCookie(t testing.TB, rec *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session" {
			return c
		}
	}
	t.Fatalf("no session cookie set; Set-Cookie = %q", rec.Header().Values("Set-Cookie"))
	return nil
}

// wantErrors checks a response in the SPEC §2 error shape.
func wantErrors(t testing.TB, rec *httptest.ResponseRecorder, status int, want ...web.FieldError) {
	t.Helper()
	wantStatus(t, rec, status)
	var body struct {
		Errors []web.FieldError `json:"errors"`
	}
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body is not {\"errors\": [...]}: %v", err)
	}
	if want == nil {
		if len(body.Errors) == 0 {
			t.Errorf("errors = [], want at least one")
		}
		return
	}
	if !equalErrors(body.Errors, want) {
		t.Errorf("errors = %+v, want %+v", body.Errors, want)
	}
}

func equalErrors(a, b []web.FieldError) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type userBody struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

func decodeUser(t testing.TB, rec *httptest.ResponseRecorder) userBody {
	t.Helper()
	var u userBody
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields() // {id, email} and nothing else
	if err := dec.Decode(&u); err != nil {
		t.Fatalf("user body: %v", err)
	}
	return u
}

// claimsOf verifies the token inside a session cookie.
func claimsOf(t testing.TB, c *http.Cookie) auth.Claims {
	t.Helper()
	token, err := auth.DecodeCookie(c.Value)
	if err != nil {
		t.Fatalf("cookie value %q: %v", c.Value, err)
	}
	claims, err := auth.Verify(jwtKey, token, time.Now())
	if err != nil {
		t.Fatalf("token in cookie: %v", err)
	}
	return claims
}

func recorder(e *env, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}
