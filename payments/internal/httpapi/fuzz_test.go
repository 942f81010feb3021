package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/web/webtest"
)

// created is what decodeCreate returns.
type created struct {
	token string
	id    bson.ObjectID
}

// FuzzDecodeCreate: any body and content type gives a token and an order
// id, or a 4xx in the error shape; never a panic.
func FuzzDecodeCreate(f *testing.F) {
	webtest.Decoder[created]{
		Path: "/api/payments", Fields: []string{"token", "orderId"},
		Decode: func(r *http.Request) (created, error) {
			token, id, err := decodeCreate(r)
			return created{token, id}, err
		},
		Check: func(t *testing.T, got created, body []byte) {
			var req struct{ Token, OrderID string }
			if json.Unmarshal(body, &req) != nil || req.Token != got.token || strings.TrimSpace(got.token) == "" || strings.ToLower(req.OrderID) != got.id.Hex() {
				t.Fatalf("decoded %q, %s from %q", got.token, got.id.Hex(), body)
			}
		},
		JSON: []string{
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
		},
		Other: [][2]string{
			{"", `{"token":"tok_visa","orderId":"0123456789abcdef01234567"}`},
			{"application/x-www-form-urlencoded", `token=tok_visa&orderId=0123456789abcdef01234567`},
		},
	}.Fuzz(f)
}
