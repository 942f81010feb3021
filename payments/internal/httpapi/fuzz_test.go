package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gittix/ticketing/common/web"
)

// FuzzDecodeCreate: any body and content type gives a token and an order
// id, or a 4xx in the error shape; never a panic.
func FuzzDecodeCreate(f *testing.F) {
	for _, body := range []string{
		`{"token":"tok_visa","orderId":"0123456789abcdef01234567"}`,
		`{"token":"  ","orderId":"0123456789abcdef01234567"}`,
		`{"token":{"$ne":null},"orderId":"0123456789abcdef01234567"}`,
		`{"token":["tok_visa"],"orderId":"0123456789abcdef01234567"}`,
		`{"token":"tok_visa","orderId":{"$gt":""}}`,
		`{"token":"tok_visa","orderId":"0123456789abcdef0123456g"}`,
		`{"token":"tok_visa","orderId":12}`,
		`{"token":"tok_visa\u0000","orderId":"0123456789abcdef01234567"}`,
		`{"token":"tok_visa","orderId":"0123456789abcdef01234567","amount":1}`,
		`{"token":"tok_visa"}`, `{"orderId":"0123456789abcdef01234567"}`,
		``, `null`, `[]`, `{`, `{"token":"tok_visa","orderId":"0123456789abcdef01234567"}[]`,
	} {
		f.Add("application/json", []byte(body))
	}
	f.Add("", []byte(`{"token":"tok_visa","orderId":"0123456789abcdef01234567"}`))
	f.Add("application/x-www-form-urlencoded", []byte(`token=tok_visa&orderId=0123456789abcdef01234567`))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/payments", bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		token, id, err := decodeCreate(r)
		if err != nil {
			var e *web.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || len(e.Errors) == 0 {
				t.Fatalf("error %v: want a 4xx *web.Error with messages", err)
			}
			for _, fe := range e.Errors {
				if fe.Message == "" || (fe.Field != "" && fe.Field != "token" && fe.Field != "orderId") {
					t.Fatalf("error entry %+v", fe)
				}
			}
			return
		}
		var req struct{ Token, OrderID string }
		if json.Unmarshal(body, &req) != nil || req.Token != token || strings.TrimSpace(token) == "" || strings.ToLower(req.OrderID) != id.Hex() {
			t.Fatalf("decoded %q, %s from %q", token, id.Hex(), body)
		}
	})
}
