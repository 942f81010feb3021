package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBodyBytes is the largest request body accepted (SPEC §2).
const MaxBodyBytes = 1 << 20

// IsJSON reports whether r declares a JSON body (application/json or a
// +json type).
func IsJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Decode reads a JSON object from the request body into dst. It answers
// 415 for a body that is not declared as JSON, 413 for a body over 1 MiB and
// 400 for malformed JSON, a wrong JSON type or trailing data. Unknown fields
// are ignored, as they were by the original.
func Decode(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !IsJSON(r) || ct == "" && r.ContentLength != 0 {
		return NewError(http.StatusUnsupportedMediaType, "Content-Type must be application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return NewError(http.StatusRequestEntityTooLarge, "Request body must not be larger than "+sizeOf(tooLarge.Limit))
		}
		return NewError(http.StatusBadRequest, "Request body could not be read")
	}
	return DecodeBytes(body, dst)
}

// DecodeBytes decodes one JSON object from body into dst with Decode's rules.
// An empty body decodes as {}.
func DecodeBytes(body []byte, dst any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return NewError(http.StatusBadRequest, "Request body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return NewError(http.StatusBadRequest, "Request body must contain a single JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return NewError(http.StatusBadRequest, "Request body must contain a single JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return NewError(http.StatusBadRequest, fmt.Sprintf("Request body contains malformed JSON (at byte %d)", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return NewError(http.StatusBadRequest, "Request body contains malformed JSON")
	case errors.As(err, &typ) && typ.Field != "":
		return &Error{Status: http.StatusBadRequest, Errors: []FieldError{{
			Field:   typ.Field,
			Message: fmt.Sprintf("%s must be a %s", typ.Field, jsonKind(typ.Type.Kind().String())),
		}}}
	case errors.As(err, &typ):
		return NewError(http.StatusBadRequest, "Request body has a value of the wrong type")
	}
	return NewError(http.StatusBadRequest, "Request body is not valid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "list"
	case "map", "struct", "ptr":
		return "object"
	}
	return "number"
}

// Respond writes v as JSON with the given status.
func Respond(w http.ResponseWriter, status int, v any) error {
	writeJSON(w, status, v)
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"message":"Something went wrong"}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// sizeOf writes a limit as people do: 1 MiB, 4 KiB, 100 bytes.
func sizeOf(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
