package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gittix/ticketing/common/web"
)

type body struct {
	Errors []web.FieldError `json:"errors"`
}

func decodeErrors(t *testing.T, rec *httptest.ResponseRecorder) body {
	t.Helper()
	var b body
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body, err)
	}
	if len(b.Errors) == 0 || b.Errors[0].Message == "" {
		t.Fatalf("error body %q has no message", rec.Body)
	}
	return b
}

func TestDecode(t *testing.T) {
	t.Parallel()
	type req struct {
		Title string  `json:"title"`
		Price float64 `json:"price"`
	}
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int // 0: decodes
		field       string
	}{
		{name: "valid", contentType: "application/json", body: `{"title":"a","price":1}`},
		{name: "charset", contentType: "application/json; charset=utf-8", body: `{"title":"a"}`},
		{name: "empty body", contentType: "application/json", body: ``},
		{name: "unknown fields ignored", contentType: "application/json", body: `{"x":1}`},
		{name: "malformed", contentType: "application/json", body: `{"title":`, status: 400},
		{name: "truncated", contentType: "application/json", body: `{"title":"a"`, status: 400},
		{name: "garbage", contentType: "application/json", body: `not json`, status: 400},
		{name: "array", contentType: "application/json", body: `[1,2]`, status: 400},
		{name: "null", contentType: "application/json", body: `null`, status: 400},
		{name: "two objects", contentType: "application/json", body: `{}{}`, status: 400},
		{name: "wrong type", contentType: "application/json", body: `{"price":"x"}`, status: 400, field: "price"},
		{name: "object for string", contentType: "application/json", body: `{"title":{}}`, status: 400, field: "title"},
		{name: "text plain", contentType: "text/plain", body: `{}`, status: 415},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: `a=b`, status: 415},
		{name: "no content type", body: `{}`, status: 415},
		{name: "too large", contentType: "application/json", body: `{"title":"` + strings.Repeat("a", web.MaxBodyBytes) + `"}`, status: 413},
		{name: "deep nesting", contentType: "application/json", body: `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			var dst req
			err := web.Decode(r, &dst)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			rec := httptest.NewRecorder()
			web.WriteError(rec, r, slog.New(slog.DiscardHandler), err)
			if got, want := rec.Code, tc.status; got != want {
				t.Fatalf("status = %d, want %d (err %v)", got, want, err)
			}
			b := decodeErrors(t, rec)
			if got, want := b.Errors[0].Field, tc.field; got != want {
				t.Errorf("field = %q, want %q", got, want)
			}
		})
	}
}

func TestWriteErrorHidesInternalErrors(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rec := httptest.NewRecorder()
	web.WriteError(rec, httptest.NewRequest("GET", "/x", nil), log, io.ErrUnexpectedEOF)
	if got, want := rec.Code, http.StatusInternalServerError; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	if got, want := decodeErrors(t, rec).Errors[0].Message, "Something went wrong"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if !strings.Contains(logs.String(), io.ErrUnexpectedEOF.Error()) {
		t.Errorf("log %q lacks the cause", logs.String())
	}

	rec = httptest.NewRecorder()
	logs.Reset()
	web.WriteError(rec, httptest.NewRequest("GET", "/x", nil), log, web.Unavailable(io.EOF))
	if got, want := rec.Code, http.StatusServiceUnavailable; got != want {
		t.Fatalf("unavailable status = %d, want %d", got, want)
	}
	if !strings.Contains(logs.String(), "unavailable") || !strings.Contains(logs.String(), io.EOF.Error()) {
		t.Errorf("log %q lacks the 503's cause", logs.String())
	}
}

func TestRecoverKeepsServing(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(web.Recover(slog.New(slog.DiscardHandler))(mux))
	defer srv.Close()

	res, err := http.Get(srv.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got, want := res.StatusCode, http.StatusInternalServerError; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	if !strings.Contains(string(b), "Something went wrong") {
		t.Errorf("body = %s", b)
	}
	res, err = http.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, want := res.StatusCode, http.StatusOK; got != want {
		t.Fatalf("after panic: status = %d, want %d", got, want)
	}
}

func TestObjectID(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "123", "zzzzzzzzzzzzzzzzzzzzzzzz", "5f8d0d55b54764421b7156c9x", "../../etc/passwd"} {
		if _, err := web.ObjectID(s, "", "Invalid id"); err == nil {
			t.Errorf("ObjectID(%q) accepted", s)
		}
	}
	if _, err := web.ObjectID("5f8d0d55b54764421b7156c9", "", "Invalid id"); err != nil {
		t.Errorf("valid id rejected: %v", err)
	}
}

func TestNotFoundShape(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	web.NotFound(slog.New(slog.DiscardHandler))(rec, httptest.NewRequest("GET", "/nope", nil))
	if got, want := rec.Body.String(), `{"errors":[{"message":"Not Found"}]}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

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

// FuzzDecodeBytes: any body decodes into a typical request struct, or gives
// a 400 *web.Error with a message; a body that decodes is one JSON object
// (or empty). Never a panic.
func FuzzDecodeBytes(f *testing.F) {
	for _, body := range []string{
		`{"s":"x","f":1.5,"i":3,"b":true,"l":["a"],"o":{"s":"y"},"a":[1,{"x":null}],"n":1e400}`,
		`{"s":5}`, `{"i":1.5}`, `{"i":1e30}`, `{"l":"x"}`, `{"o":[]}`, `{"f":"1"}`, `{"n":"x"}`,
		`{"s":"\ud800"}`, "{\"s\":\"\xff\"}", `{"a":[[[[[[[[[[]]]]]]]]]]}`,
		`{}{}`, `{} x`, `[]`, `null`, `"x"`, ``, ` `, `{`, `{"s":`,
	} {
		f.Add([]byte(body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst struct {
			S string             `json:"s"`
			F float64            `json:"f"`
			I int                `json:"i"`
			B bool               `json:"b"`
			L []string           `json:"l"`
			O struct{ S string } `json:"o"`
			A any                `json:"a"`
			N json.Number        `json:"n"`
		}
		err := web.DecodeBytes(body, &dst)
		if err != nil {
			var e *web.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || len(e.Errors) != 1 || e.Errors[0].Message == "" {
				t.Fatalf("DecodeBytes(%q) = %v: want a 400 *web.Error with a message", body, err)
			}
			return
		}
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) > 0 && (trimmed[0] != '{' || !json.Valid(trimmed)) {
			t.Fatalf("DecodeBytes accepted %q, which is not one JSON object", body)
		}
	})
}
