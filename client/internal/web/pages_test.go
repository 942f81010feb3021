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
