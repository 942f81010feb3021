package apiclient_test

import (
	"fmt"
	"io"
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

func TestInProcess(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c, _ := r.Cookie("session")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"got":%q}`, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+c.Value+" "+string(b))
	})
	c := apiclient.Client{Base: "http://app", HTTP: apiclient.InProcess(h)}
	a, err := c.Do(t.Context(), "POST", "/api/tickets", &http.Cookie{Name: "session", Value: "s1"}, map[string]any{"price": 5})
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Got string }
	if err := a.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if want := `POST /api/tickets application/json s1 {"price":5}`; a.Status != http.StatusCreated || got.Got != want {
		t.Errorf("answer %d %q, want 201 %q", a.Status, got.Got, want)
	}
}
