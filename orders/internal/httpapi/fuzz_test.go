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

// FuzzDecodeCreate: any body and content type gives a ticket id or a 4xx
// in the error shape; never a panic.
func FuzzDecodeCreate(f *testing.F) {
	for _, body := range []string{
		`{"ticketId":"0123456789abcdef01234567"}`,
		`{"ticketId":"0123456789ABCDEF01234567"}`,
		`{"ticketId":"0123456789abcdef0123456"}`,
		`{"ticketId":"zzzzzzzzzzzzzzzzzzzzzzzz"}`,
		`{"ticketId":{"$gt":""}}`,
		`{"ticketId":["0123456789abcdef01234567"]}`,
		`{"ticketId":123456789012345678901234}`,
		`{"ticketId":null}`, `{"ticketId":""}`, `{"ticketId":" 0123456789abcdef01234567"}`,
		`{"ticketId":"0123456789abcdef01234567","userId":"x","status":"complete"}`,
		`{"ticketId":"0123456789abcdef01234567"}{}`,
		``, `null`, `[]`, `{`,
	} {
		f.Add("application/json", []byte(body))
	}
	f.Add("", []byte(`{"ticketId":"0123456789abcdef01234567"}`))
	f.Add("text/plain", []byte(`{"ticketId":"0123456789abcdef01234567"}`))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/orders", bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		id, err := decodeCreate(r)
		if err != nil {
			var e *web.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || len(e.Errors) == 0 {
				t.Fatalf("error %v: want a 4xx *web.Error with messages", err)
			}
			for _, fe := range e.Errors {
				if fe.Message == "" || (fe.Field != "" && fe.Field != "ticketId") {
					t.Fatalf("error entry %+v", fe)
				}
			}
			return
		}
		var req struct{ TicketID string }
		if json.Unmarshal(body, &req) != nil || strings.ToLower(req.TicketID) != id.Hex() {
			t.Fatalf("decoded id %s, but the body is %q", id.Hex(), body)
		}
	})
}
