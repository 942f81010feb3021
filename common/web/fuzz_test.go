package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/gittix/ticketing/common/web"
)

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
