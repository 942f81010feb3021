package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestFormErrorsBesideTheForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		signedIn   bool
		form       url.Values
		status     int
		want       []string
		notWant    []string
	}{
		{
			name: "sign up, invalid", path: "/auth/signup", form: url.Values{"email": {"not-an-email"}, "password": {"abc"}}, status: 400,
			want: []string{`<form id="signup"`, `<div id="errors" class="errors" role="alert">`,
				`<li data-field="email">Email must be valid</li>`, `<li data-field="password">Password must be between 4 and 20 characters</li>`,
				`value="not-an-email"`, `aria-invalid="true"`},
			notWant: []string{`value="abc"`},
		},
		{
			name: "sign up, email in use", path: "/auth/signup", form: url.Values{"email": {"bob@example.com"}, "password": {"secret1"}}, status: 400,
			want: []string{"<li>Email in use</li>", `value="bob@example.com"`}, notWant: []string{"secret1"},
		},
		{
			name: "sign up, password longer than any account's", path: "/auth/signup",
			form: url.Values{"email": {"new@example.com"}, "password": {strings.Repeat("p", 10_000)}}, status: 400,
			want:    []string{`<li data-field="password">Password must be between 4 and 20 characters</li>`, `value="new@example.com"`},
			notWant: []string{"ppppp"},
		},
		{
			name: "sign in, password longer than any account's", path: "/auth/signin",
			form: url.Values{"email": {"bob@example.com"}, "password": {strings.Repeat("p", 21)}}, status: 400,
			want: []string{"<li>Invalid credentials</li>"}, notWant: []string{"ppppp"},
		},
		{
			name: "sign in, wrong password", path: "/auth/signin", form: url.Values{"email": {"bob@example.com"}, "password": {"wrong!"}}, status: 400,
			want: []string{`<form id="signin"`, "<li>Invalid credentials</li>", `value="bob@example.com"`}, notWant: []string{"wrong!"},
		},
		{
			name: "new ticket, invalid", path: "/tickets/new", signedIn: true, form: url.Values{"title": {"  "}, "price": {"-3"}}, status: 400,
			want: []string{`<form id="new-ticket"`, `<li data-field="title">Title is required</li>`,
				`<li data-field="price">Price must be greater than 0</li>`, `value="-3"`},
		},
		{
			name: "new ticket, price not a number", path: "/tickets/new", signedIn: true, form: url.Values{"title": {"Gig"}, "price": {"ten"}}, status: 400,
			want: []string{`<li data-field="price">Price must be greater than 0</li>`, `value="Gig"`, `value="ten"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			cookie := x.cookie(tc.signedIn)
			rec := h.post(t, tc.path, cookie, tc.form)
			wantStatus(t, rec, tc.status)
			wantBody(t, rec.Body.String(), tc.want, tc.notWant)
			if c := rec.Header().Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("Set-Cookie %q on a failed form", c)
			}
		})
	}
}

func TestSignedOutVisitorsGoToSignIn(t *testing.T) {
	t.Parallel()
	h, x := newSeeded(t, Options{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/tickets/new"},
		{"GET", "/orders"},
		{"GET", "/orders/" + x.openOrder},
		{"POST", "/tickets/new"},
		{"POST", "/tickets/" + x.free + "/purchase"},
		{"POST", "/orders/" + x.openOrder + "/pay"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tc.method == "GET" {
				rec = h.get(t, tc.path, "session=forged")
			} else {
				rec = h.post(t, tc.path, "", url.Values{"title": {"x"}, "price": {"1"}})
			}
			wantRedirect(t, rec, "/auth/signin")
		})
	}
	for _, r := range h.api.requests() {
		if r.Method != "GET" {
			t.Errorf("the API got %s %s from a signed-out visitor", r.Method, r.Path)
		}
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		method    string
		fetchSite string
		signOut   bool
	}{
		{name: "header button", method: "POST", fetchSite: "same-origin", signOut: true},
		{name: "link on our page", method: "GET", fetchSite: "same-origin", signOut: true},
		{name: "typed address", method: "GET", fetchSite: "none", signOut: true},
		{name: "link from another site", method: "GET", fetchSite: "cross-site"},
		{name: "no fetch metadata", method: "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			req := httptest.NewRequest(tc.method, "/auth/signout", nil)
			req.Header.Set("Cookie", cookieFor(x.alice))
			if tc.fetchSite != "" {
				req.Header.Set("Sec-Fetch-Site", tc.fetchSite)
			}
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, req)
			if got := h.api.called("POST /api/users/signout"); got != tc.signOut {
				t.Fatalf("API sign-out called = %v, want %v", got, tc.signOut)
			}
			if tc.signOut {
				wantRedirect(t, rec, "/")
				if c := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(c, "session=;") {
					t.Errorf("Set-Cookie = %q, want the cleared session", c)
				}
				return
			}
			wantStatus(t, rec, 200)
			wantBody(t, rec.Body.String(), []string{`<form id="signout-confirm"`}, nil)
		})
	}
}
