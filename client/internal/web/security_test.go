package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCrossSitePostIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers map[string]string
		status  int
	}{
		{name: "cross-site", headers: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, status: 403},
		{name: "same-site", headers: map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://evil.example.com"}, status: 403},
		{name: "old browser, foreign Origin", headers: map[string]string{"Origin": "https://evil.example"}, status: 403},
		{name: "same-origin", headers: map[string]string{"Sec-Fetch-Site": "same-origin"}, status: 303},
		{name: "old browser, own Origin", headers: map[string]string{"Origin": "http://example.com"}, status: 303},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			form := url.Values{"title": {"Forged"}, "price": {"1"}}
			rec := h.postWith(t, "/tickets/new", cookieFor(x.alice), form, tc.headers)
			wantStatus(t, rec, tc.status)
			if tc.status != 403 {
				return
			}
			wantBody(t, rec.Body.String(), []string{`data-status="403"`, "refused"}, nil)
			if len(h.api.requests()) != 0 {
				t.Errorf("the API got %v, want no request at all", h.api.requests())
			}
			// Signing someone out or in from another site is refused too.
			for _, path := range []string{"/auth/signout", "/auth/signin", "/tickets/" + x.free + "/purchase", "/orders/" + x.openOrder + "/pay"} {
				if rec := h.postWith(t, path, cookieFor(x.alice), url.Values{}, tc.headers); rec.Code != 403 {
					t.Errorf("POST %s: status = %d, want 403", path, rec.Code)
				}
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		key           string
		cspHas, cspNo []string
	}{
		{name: "test card", cspHas: []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"}, cspNo: []string{"stripe", "unsafe-inline"}},
		{name: "Stripe.js", key: "pk_test_abc", cspHas: []string{"script-src 'self' https://js.stripe.com", "frame-src https://js.stripe.com", "frame-ancestors 'none'"}, cspNo: []string{"unsafe-inline"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newSeeded(t, Options{StripeKey: tc.key})
			for _, path := range []string{"/", "/static/style.css", "/nope"} {
				rec := h.get(t, path, "")
				hd := rec.Header()
				csp := hd.Get("Content-Security-Policy")
				for _, want := range tc.cspHas {
					if !strings.Contains(csp, want) {
						t.Errorf("%s: CSP %q lacks %q", path, csp, want)
					}
				}
				for _, no := range tc.cspNo {
					if strings.Contains(csp, no) {
						t.Errorf("%s: CSP %q has %q", path, csp, no)
					}
				}
				for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
					if got := hd.Get(k); got != want {
						t.Errorf("%s: %s = %q, want %q", path, k, got, want)
					}
				}
			}
		})
	}
}

func TestSetCookieIsRelayedUnchanged(t *testing.T) {
	t.Parallel()
	odd := []string{
		"session=eyJqd3QiOiJhIn0=; Path=/; Expires=Wed, 09 Jun 2100 10:18:14 GMT; HttpOnly; SameSite=Lax",
		"session.sig=AbC-_123; path=/; httponly; samesite=lax; Secure",
	}
	tests := []struct {
		name, path string
		form       url.Values
		signedIn   bool
		cookies    []string // the API's Set-Cookie values; nil: the fake's own
	}{
		{name: "sign up", path: "/auth/signup", form: url.Values{"email": {"new@example.com"}, "password": {"secret"}}},
		{name: "sign in", path: "/auth/signin", form: url.Values{"email": {"bob@example.com"}, "password": {"password"}}},
		{name: "sign in, unusual cookies", path: "/auth/signin", form: url.Values{"email": {"bob@example.com"}, "password": {"password"}}, cookies: odd},
		{name: "sign out", path: "/auth/signout", signedIn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			if tc.cookies != nil {
				h.api.cookies["POST /api/users"+strings.TrimPrefix(tc.path, "/auth")] = tc.cookies
			}
			// Over a real connection, so the headers are compared as sent.
			client := httptest.NewServer(h.h)
			defer client.Close()
			req, _ := http.NewRequest(http.MethodPost, client.URL+tc.path, strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if tc.signedIn {
				req.Header.Set("Cookie", cookieFor(x.alice))
			}
			res, err := client.Client().Transport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 303 || res.Header.Get("Location") != "/" {
				t.Fatalf("answer %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
			}
			sent := h.api.sentCookies()
			if len(sent) == 0 {
				t.Fatal("the API set no cookie")
			}
			if got := res.Header.Values("Set-Cookie"); strings.Join(got, "\n") != strings.Join(sent, "\n") {
				t.Errorf("browser got Set-Cookie\n%q\nwant the API's\n%q", got, sent)
			}
		})
	}
}

func TestCookieAndHostForwarded(t *testing.T) {
	t.Parallel()
	h, x := newSeeded(t, Options{})
	cookie := cookieFor(x.alice) + "; theme=dark"
	wantStatus(t, h.get(t, "/orders", cookie), 200)
	reqs := h.api.requests()
	if len(reqs) != 2 {
		t.Fatalf("API got %d requests, want 2 (current user, orders): %v", len(reqs), reqs)
	}
	for _, r := range reqs {
		if r.Cookie != cookie || r.Host != "ticketing.dev" {
			t.Errorf("%s %s: Cookie %q, Host %q; want %q, %q", r.Method, r.Path, r.Cookie, r.Host, cookie, "ticketing.dev")
		}
	}
	if got, want := reqs[0].Path, "/api/users/currentuser"; got != want {
		t.Errorf("first API call %s, want %s", got, want)
	}
}
