package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// FuzzDecodeTicket: any body and content type gives a title and price
// within the rules, or a 4xx in the error shape; never a panic.
func FuzzDecodeTicket(f *testing.F) {
	for _, body := range []string{
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
	} {
		f.Add("application/json", []byte(body))
	}
	f.Add("", []byte(`{"title":"t","price":5}`))
	f.Add("text/plain", []byte(`{"title":"t","price":5}`))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/tickets", bytes.NewReader(body))
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		title, price, err := decodeTicket(r)
		if err != nil {
			var e *web.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 || len(e.Errors) == 0 {
				t.Fatalf("error %v: want a 4xx *web.Error with messages", err)
			}
			for _, fe := range e.Errors {
				if fe.Message == "" || (fe.Field != "" && fe.Field != "title" && fe.Field != "price") {
					t.Fatalf("error entry %+v", fe)
				}
			}
			return
		}
		if title == "" || title != strings.TrimSpace(title) || utf8.RuneCountInString(title) > ticket.MaxTitleLen {
			t.Fatalf("title %q breaks the rules", title)
		}
		if price <= 0 || price > ticket.MaxPrice {
			t.Fatalf("price %d cents out of range", price)
		}
	})
}
