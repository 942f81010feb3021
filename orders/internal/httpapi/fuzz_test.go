package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/web/webtest"
)

// FuzzDecodeCreate: any body and content type gives a ticket id or a 4xx
// in the error shape; never a panic.
func FuzzDecodeCreate(f *testing.F) {
	webtest.Decoder[bson.ObjectID]{
		Path: "/api/orders", Decode: decodeCreate, Fields: []string{"ticketId"},
		Check: func(t *testing.T, id bson.ObjectID, body []byte) {
			var req struct{ TicketID string }
			if json.Unmarshal(body, &req) != nil || strings.ToLower(req.TicketID) != id.Hex() {
				t.Fatalf("decoded id %s, but the body is %q", id.Hex(), body)
			}
		},
		JSON: []string{
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
		},
		Other: [][2]string{
			{"", `{"ticketId":"0123456789abcdef01234567"}`},
			{"text/plain", `{"ticketId":"0123456789abcdef01234567"}`},
		},
	}.Fuzz(f)
}
