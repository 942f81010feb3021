// Package web is the HTTP plumbing shared by the API services: the error
// shape of SPEC §2, JSON decoding and encoding, handlers that return errors,
// panic recovery, health probes and graceful serving.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
)

// FieldError is one entry of an error response.
type FieldError struct {
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error is an error with an HTTP status and the messages shown to the
// client. Handlers return it for every failure the client caused.
type Error struct {
	Status int
	Errors []FieldError
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Message
		if fe.Field != "" {
			msgs[i] = fe.Field + ": " + fe.Message
		}
	}
	return fmt.Sprintf("%d %s", e.Status, strings.Join(msgs, "; "))
}

// NewError returns an Error with one message.
func NewError(status int, msg string) *Error {
	return &Error{Status: status, Errors: []FieldError{{Message: msg}}}
}

// Validation returns a 400 with one entry per failing field, or nil when
// errs is empty, so a handler can write `if err := Validation(errs...); err != nil`.
func Validation(errs ...FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Errors: errs}
}

// Errors shared by every service.
var (
	ErrNotFound         = NewError(http.StatusNotFound, "Not Found")
	ErrNotAuthorized    = NewError(http.StatusUnauthorized, "Not authorized")
	ErrMethodNotAllowed = NewError(http.StatusMethodNotAllowed, "Method Not Allowed")
	ErrUnavailable      = NewError(http.StatusServiceUnavailable, "Service unavailable, try again")
	errInternal         = NewError(http.StatusInternalServerError, "Something went wrong")
)

type errorBody struct {
	Errors []FieldError `json:"errors"`
}

// WriteError writes err in the SPEC §2 shape. An *Error is written as it
// is; any other error is logged and becomes a 500 without details, or a 503
// when it wraps ErrUnavailable (a store that is briefly down).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *Error
	switch {
	case errors.Is(err, ErrUnavailable):
		log.WarnContext(r.Context(), "unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		e = ErrUnavailable
	case errors.As(err, &e):
	default:
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errInternal
	}
	writeJSON(w, e.Status, errorBody{Errors: e.Errors})
}

// Unavailable marks err as a temporary failure of a backing server, which
// is answered with 503.
func Unavailable(err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}
