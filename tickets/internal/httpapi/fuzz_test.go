package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gittix/ticketing/common/web/webtest"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// decoded is what decodeTicket returns.
type decoded struct {
	title string
	price ticket.Cents
}

// FuzzDecodeTicket: any body and content type gives a title and price
// within the rules, or a 4xx in the error shape; never a panic.
func FuzzDecodeTicket(f *testing.F) {
	webtest.Decoder[decoded]{
		Path: "/api/tickets", Fields: []string{"title", "price"},
		Decode: func(r *http.Request) (decoded, error) {
			title, price, err := decodeTicket(r)
			return decoded{title, price}, err
		},
		Check: func(t *testing.T, got decoded, _ []byte) {
			if got.title == "" || got.title != strings.TrimSpace(got.title) || utf8.RuneCountInString(got.title) > ticket.MaxTitleLen {
				t.Fatalf("title %q breaks the rules", got.title)
			}
			if got.price <= 0 || got.price > ticket.MaxPrice {
				t.Fatalf("price %d cents out of range", got.price)
			}
		},
		JSON: []string{
			`{"title":"Concert","price":19.99}`,
			`{"title":"  Concert  ","price":"20"}`,
			`{"title":"Concert","price":"1e2"}`,
			`{"title":"Concert","price":1e400}`,
			`{"title":"Concert","price":"1e309"}`,
			`{"title":"Concert","price":"NaN"}`,
			`{"title":"Concert","price":-0}`,
			`{"title":"Concert","price":"0x10"}`,
			`{"title":"Concert","price":1000000.005}`,
			`{"title":"Concert","price":0.005}`,
			`{"title":"Concert","price":[1]}`,
			`{"title":{"$gt":""},"price":5}`,
			`{"title":"<script>alert(1)</script>","price":5}`,
			`{"title":"` + strings.Repeat("é", 201) + `","price":5}`,
			`{"title":"\u0000","price":5}`,
			`{"title":"\ud800","price":5}`,
			`{"title":"   ","price":5}`,
			`{"title":"t","price":5,"userId":"x","version":9}`,
			`{"title":"t","price":5}{}`,
			`[{"title":"t","price":5}]`,
			`{"title":"t","price":` + strings.Repeat("9", 70) + `}`,
			``, `null`, `{}`, `{"title":`,
		},
		Other: [][2]string{{"", `{"title":"t","price":5}`}, {"text/plain", `{"title":"t","price":5}`}},
	}.Fuzz(f)
}
