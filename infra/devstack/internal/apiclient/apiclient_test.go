package apiclient_test

import (
	"net/http"
	"testing"

	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
)

func TestNext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, link, want string
	}{
		{"none", "", ""},
		{"absolute", `<http://127.0.0.1:8080/api/tickets?after=abc&limit=100>; rel="next"`, "/api/tickets?after=abc&limit=100"},
		{"relative", `</api/tickets?after=abc>; rel="next"`, "/api/tickets?after=abc"},
		{"another rel first", `</x>; rel="prev", </api/tickets?after=b>; rel="next"`, "/api/tickets?after=b"},
		{"no next", `</x>; rel="prev"`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tc.link != "" {
				h.Set("Link", tc.link)
			}
			if got := (apiclient.Answer{Header: h}).Next(); got != tc.want {
				t.Errorf("Next() = %q, want %q", got, tc.want)
			}
		})
	}
}
