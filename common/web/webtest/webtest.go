// Package webtest fuzzes the services' request decoders: the functions
// that turn a request's body into a handler's input, or into a 4xx in the
// error shape of package web.
package webtest

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gittix/ticketing/common/web"
)

// Decoder is a request decoder under fuzzing. Whatever the body and its
// content type, Decode gives a value that Check accepts, or a 4xx
// *web.Error with messages, each on one of Fields or on none; never a
// panic.
type Decoder[T any] struct {
	Path   string // where the request is POSTed
	Decode func(*http.Request) (T, error)
	// Check fails t when got, decoded from body, breaks the rules.
	Check  func(t *testing.T, got T, body []byte)
	Fields []string // the fields an error may name

	JSON  []string    // seed bodies, sent as application/json
	Other [][2]string // seed content types (empty: no header) and bodies
}

// Fuzz adds the seeds to f and fuzzes d with them. `go test` runs the
// seeds; `make fuzz` explores.
func (d Decoder[T]) Fuzz(f *testing.F) {
	for _, body := range d.JSON {
		f.Add("application/json", []byte(body))
	}
	for _, seed := range d.Other {
		f.Add(seed[0], []byte(seed[1]))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, d.Path, bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		got, err := d.Decode(r)
		if err != nil {
			checkClientError(t, err, d.Fields...)
			return
		}
		d.Check(t, got, body)
	})
}

// checkClientError fails t unless err is a 4xx *web.Error with messages,
// each on one of fields or on none.
func checkClientError(t testing.TB, err error, fields ...string) {
	t.Helper()
	var e *web.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *web.Error: it would be a 500", err)
	}
	if e.Status < 400 || e.Status > 499 || len(e.Errors) == 0 {
		t.Fatalf("error %v: want a 4xx with messages", e)
	}
	for _, fe := range e.Errors {
		if fe.Message == "" || (fe.Field != "" && !slices.Contains(fields, fe.Field)) {
			t.Fatalf("error entry %+v: want a message, on one of %v or none", fe, fields)
		}
	}
}
