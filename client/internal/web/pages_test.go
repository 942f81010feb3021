package web

import (
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPagesRender(t *testing.T) {
	t.Parallel()
	signedOutHeader := []string{`id="nav-signup"`, ">Sign Up<", `id="nav-signin"`, ">Sign In<"}
	signedInHeader := []string{`id="nav-sell"`, ">Sell Tickets<", `id="nav-orders"`, ">My Orders<",
		`<form id="signout" class="inline" method="post" action="/auth/signout">`, ">Sign Out<"}
	tests := []struct {
		name     string
		path     func(x fixture) string
		signedIn bool
		status   int
		want     []string
		notWant  []string
	}{
		{
			name: "landing signed out", path: func(fixture) string { return "/" }, status: 200,
			want: append([]string{"<h1>Tickets</h1>", `<table id="tickets">`, `<td class="title">Concert</td>`,
				`<td class="num price">$20.00</td>`, `>View</a>`}, signedOutHeader...),
			notWant: []string{"Opera", "Ballet", "Sign Out"}, // reserved tickets are not listed
		},
		{
			name: "landing signed in", path: func(fixture) string { return "/" }, signedIn: true, status: 200,
			want: signedInHeader, notWant: []string{"Sign Up", "Sign In"},
		},
		{
			name: "sign up", path: func(fixture) string { return "/auth/signup" }, status: 200,
			want: []string{"<h1>Sign Up</h1>", `<form id="signup"`, `action="/auth/signup"`, `name="email"`,
				`name="password"`, `<button id="signup-submit" type="submit">Sign Up</button>`},
			notWant: []string{`id="errors"`},
		},
		{
			name: "sign in", path: func(fixture) string { return "/auth/signin" }, status: 200,
			want: []string{"<h1>Sign In</h1>", `<form id="signin"`, `action="/auth/signin"`, `name="email"`,
				`name="password"`, `id="signin-submit"`},
		},
		{
			name: "new ticket", path: func(fixture) string { return "/tickets/new" }, signedIn: true, status: 200,
			want: []string{"<h1>Create a Ticket</h1>", `<form id="new-ticket"`, `name="title"`, `name="price"`, `id="create-ticket"`},
		},
		{
			name: "ticket", path: func(x fixture) string { return "/tickets/" + x.free }, status: 200,
			want: []string{`<h1 id="ticket-title">Concert</h1>`, "Price: $20.00",
				`action="/tickets/` + "%s" + `/purchase"`, `<button id="purchase" type="submit">Purchase</button>`},
		},
		{
			name: "reserved ticket", path: func(x fixture) string { return "/tickets/" + x.reserved }, status: 200,
			want:    []string{`<h1 id="ticket-title">Opera</h1>`, "Price: $45.50", "This ticket is reserved."},
			notWant: []string{`id="purchase"`},
		},
		{
			name: "open order", path: func(x fixture) string { return "/orders/" + x.openOrder }, signedIn: true, status: 200,
			want: []string{`<span id="order-ticket">Opera</span>`, "Price: $45.50", `data-status="created"`,
				`<p id="countdown" class="notice" data-seconds="90">Time left to pay: <span id="seconds">90</span> seconds</p>`,
				`action="/orders/%s/pay"`, `<button id="pay" type="submit">Pay with test card</button>`,
				`<script src="/static/app.js" defer></script>`},
			notWant: []string{"stripe", "Order Expired"},
		},
		{
			name: "paid order", path: func(x fixture) string { return "/orders/" + x.paidOrder }, signedIn: true, status: 200,
			want:    []string{"Ballet", `data-status="complete"`, `id="paid"`},
			notWant: []string{`id="pay"`, `id="countdown"`},
		},
		{
			name: "cancelled order", path: func(x fixture) string { return "/orders/" + x.expiredOrder }, signedIn: true, status: 200,
			want:    []string{"Concert", `<p id="countdown" class="notice expired">Order Expired</p>`},
			notWant: []string{`id="pay"`, "Time left"},
		},
		{
			name: "my orders", path: func(fixture) string { return "/orders" }, signedIn: true, status: 200,
			want: []string{"<h1>My Orders</h1>", `<ul id="orders" class="orders">`, ">Opera - created</a>",
				">Ballet - complete</a>", ">Concert - cancelled</a>", `data-status="complete"`},
		},
		{
			name: "unknown page", path: func(fixture) string { return "/no/such/page" }, status: 404,
			want: append([]string{`<h1 id="error-title" data-status="404">Not Found</h1>`, "There is no page here."}, signedOutHeader...),
		},
		{
			name: "sign out from another site asks first", path: func(fixture) string { return "/auth/signout" }, signedIn: true, status: 200,
			want: []string{`<form id="signout-confirm"`, `id="signout-confirm-submit"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			cookie := x.cookie(tc.signedIn)
			path := tc.path(x)
			rec := h.get(t, path, cookie)
			wantStatus(t, rec, tc.status)
			if got, want := rec.Header().Get("Content-Type"), "text/html; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			want := []string{"<!doctype html>", `<meta name="viewport" content="width=device-width, initial-scale=1">`,
				`<link rel="stylesheet" href="/static/style.css">`, `<a id="brand" class="brand" href="/">GitTix</a>`}
			id := path[strings.LastIndex(path, "/")+1:]
			for _, w := range tc.want {
				want = append(want, strings.ReplaceAll(w, "%s", id))
			}
			wantBody(t, rec.Body.String(), want, tc.notWant)
			if m := inlineScript.FindString(rec.Body.String()); m != "" {
				t.Errorf("page has an inline script %q (the CSP forbids it)", m)
			}
		})
	}
}

func TestUserTextIsEscaped(t *testing.T) {
	t.Parallel()
	const evil = `<script>alert(1)</script>`
	const escaped = `&lt;script&gt;alert(1)&lt;/script&gt;`
	h, x := newSeeded(t, Options{})
	shown := h.api.addTicket(evil, 5, x.bob)
	reserved := h.api.addTicket(evil, 6, x.bob)
	order := h.api.addOrder(x.alice, reserved, "created", testNow.Add(time.Minute))
	for _, path := range []string{"/", "/tickets/" + shown, "/orders", "/orders/" + order} {
		t.Run(path, func(t *testing.T) {
			rec := h.get(t, path, cookieFor(x.alice))
			wantStatus(t, rec, 200)
			wantBody(t, rec.Body.String(), []string{escaped}, []string{evil})
		})
	}
	t.Run("typed email shown again", func(t *testing.T) {
		rec := h.post(t, "/auth/signin", "", url.Values{"email": {`"><script>alert(1)</script>`}, "password": {"x"}})
		wantStatus(t, rec, 400)
		wantBody(t, rec.Body.String(), []string{`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`}, []string{evil})
	})
}

func TestTemplateErrorSendsNoHalfPage(t *testing.T) {
	t.Parallel()
	h, _ := newSeeded(t, Options{})
	h.server.pages["index"] = template.Must(template.New("broken").Parse(
		`{{define "layout"}}<html>half a page{{template "missing" .}}</html>{{end}}`))
	rec := h.get(t, "/", "")
	wantStatus(t, rec, 500)
	wantBody(t, rec.Body.String(), []string{`data-status="500"`, "Something went wrong"}, []string{"half a page"})
}

func TestAPIFailuresShowAnErrorPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     func(x fixture) string
		override map[string]http.HandlerFunc
		status   int
		want     string
	}{
		{name: "unknown ticket", path: func(fixture) string { return "/tickets/0123456789abcdef01234567" }, status: 404, want: "<li>Not Found</li>"},
		{name: "bad ticket id", path: func(fixture) string { return "/tickets/nope" }, status: 400, want: "Ticket id must be a valid id"},
		{name: "API fault", path: func(fixture) string { return "/" }, status: 500, want: "Something went wrong",
			override: map[string]http.HandlerFunc{"GET /api/tickets": func(w http.ResponseWriter, _ *http.Request) {
				apiError(w, 500, "Something went wrong", "")
			}}},
		{name: "proxy error page", path: func(fixture) string { return "/" }, status: 502, want: "<li>Bad Gateway</li>",
			override: map[string]http.HandlerFunc{"GET /api/tickets": func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				io.WriteString(w, "<html><body>502 Bad Gateway</body></html>")
			}}},
		{name: "garbage answer", path: func(fixture) string { return "/" }, status: 500, want: "Something went wrong",
			override: map[string]http.HandlerFunc{"GET /api/tickets": func(w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, "{not json")
			}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, x := newSeeded(t, Options{})
			for k, v := range tc.override {
				h.api.override[k] = v
			}
			rec := h.get(t, tc.path(x), "")
			wantStatus(t, rec, tc.status)
			wantBody(t, rec.Body.String(), []string{`<h1 id="error-title"`, tc.want}, []string{"goroutine", "panic", "{not json"})
		})
	}

	t.Run("someone else's order, signed in", func(t *testing.T) {
		t.Parallel()
		h, x := newSeeded(t, Options{})
		rec := h.get(t, "/orders/"+x.openOrder, cookieFor(x.bob))
		wantStatus(t, rec, 401)
		wantBody(t, rec.Body.String(), []string{"<li>Not authorized</li>", `id="nav-orders"`}, nil)
	})

	t.Run("API unreachable", func(t *testing.T) {
		t.Parallel()
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		h := newHarnessAt(t, newFakeAPI(testNow), down.URL, Options{})
		rec := h.get(t, "/", "")
		wantStatus(t, rec, 502)
		wantBody(t, rec.Body.String(), []string{`data-status="502"`, "cannot be reached"}, []string{"connection refused", "127.0.0.1"})
	})
}

func TestStaticFilesAndHealth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	tests := []struct {
		path, contentType string
		status            int
	}{
		{"/static/style.css", "text/css; charset=utf-8", 200},
		{"/static/app.js", "text/javascript; charset=utf-8", 200},
		{"/static/nope.js", "", 404},
		{"/healthz", "text/plain; charset=utf-8", 200},
		{"/readyz", "text/plain; charset=utf-8", 200},
	}
	for _, tc := range tests {
		rec := h.get(t, tc.path, "")
		if rec.Code != tc.status {
			t.Errorf("GET %s: status = %d, want %d", tc.path, rec.Code, tc.status)
		}
		if got := rec.Header().Get("Content-Type"); tc.contentType != "" && got != tc.contentType {
			t.Errorf("GET %s: Content-Type = %q, want %q", tc.path, got, tc.contentType)
		}
	}
	if n := len(h.api.requests()); n != 0 {
		t.Errorf("static files and probes made %d API calls, want 0", n)
	}
}

func TestWholeFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, Options{})
	session := func(rec *httptest.ResponseRecorder) string {
		t.Helper()
		for _, c := range rec.Result().Cookies() {
			if c.Name == "session" {
				return "session=" + c.Value
			}
		}
		t.Fatalf("no session cookie in %q", rec.Header().Values("Set-Cookie"))
		return ""
	}

	rec := h.post(t, "/auth/signup", "", url.Values{"email": {"carol@example.com"}, "password": {"hunter22"}})
	wantRedirect(t, rec, "/")
	cookie := session(rec)

	wantRedirect(t, h.post(t, "/tickets/new", cookie, url.Values{"title": {"Jazz night"}, "price": {"12.5"}}), "/")
	rec = h.get(t, "/", cookie)
	wantBody(t, rec.Body.String(), []string{`<td class="title">Jazz night</td>`, "$12.50", "Sign Out"}, nil)
	tid := regexp.MustCompile(`href="/tickets/([0-9a-f]{24})"`).FindStringSubmatch(rec.Body.String())
	if tid == nil {
		t.Fatal("no View link on the landing page")
	}

	rec = h.post(t, "/tickets/"+tid[1]+"/purchase", cookie, nil)
	wantStatus(t, rec, 303)
	orderPage := rec.Header().Get("Location")
	rec = h.get(t, orderPage, cookie)
	wantBody(t, rec.Body.String(), []string{`Time left to pay: <span id="seconds">60</span> seconds`}, nil)

	wantRedirect(t, h.post(t, orderPage+"/pay", cookie, nil), "/orders")
	rec = h.get(t, "/orders", cookie)
	wantBody(t, rec.Body.String(), []string{">Jazz night - complete</a>"}, nil)

	rec = h.post(t, "/auth/signout", cookie, nil)
	wantRedirect(t, rec, "/")
	rec = h.get(t, "/", session(rec))
	wantBody(t, rec.Body.String(), []string{"Sign In"}, []string{"Sign Out"})
}

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
