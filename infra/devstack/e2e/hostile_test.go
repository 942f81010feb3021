//go:build integration

package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostileClient sends raw requests (any body, any content type, any
// cookie) and never follows redirects. A request that takes longer than its
// timeout fails the test: hostile input must never hang a service.
var hostileClient = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// rawRequest is one request of the hostile suites.
type rawRequest struct {
	method, path string
	ctype        string // Content-Type; "" sends none
	body         []byte
	cookie       string // the whole Cookie header; "" sends none
}

type rawAnswer struct {
	status int
	header http.Header
	body   []byte
}

func send(t *testing.T, base string, rq rawRequest) rawAnswer {
	t.Helper()
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, base+rq.path, body)
	if err != nil {
		t.Fatalf("build %s %s: %v", rq.method, rq.path, err)
	}
	if rq.ctype != "" {
		req.Header.Set("Content-Type", rq.ctype)
	}
	if rq.cookie != "" {
		req.Header.Set("Cookie", rq.cookie)
	}
	res, err := hostileClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", rq.method, rq.path, err)
	}
	return rawAnswer{status: res.StatusCode, header: res.Header, body: b}
}

// checkStatus fails the test on a 5xx, and unless the status is want — any
// 4xx when want is 0.
func checkStatus(t *testing.T, a rawAnswer, want int) {
	t.Helper()
	switch {
	case a.status >= 500:
		t.Fatalf("status = %d, want no 5xx; body %s", a.status, trim(string(a.body)))
	case want != 0 && a.status != want:
		t.Fatalf("status = %d, want %d; body %s", a.status, want, trim(string(a.body)))
	case want == 0 && (a.status < 400 || a.status > 499):
		t.Fatalf("status = %d, want 4xx; body %s", a.status, trim(string(a.body)))
	}
}

// checkErrorShape fails unless body is exactly the SPEC §2 error shape:
// {"errors":[{"message":"…","field":"…"?},…]} with at least one entry.
func checkErrorShape(t *testing.T, a rawAnswer) {
	t.Helper()
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &top); err != nil {
		t.Fatalf("error body %q is not a JSON object: %v", a.body, err)
	}
	if len(top) != 1 || top["errors"] == nil {
		t.Fatalf("error body %s: want exactly the key \"errors\"", a.body)
	}
	var entries []map[string]any
	if err := json.Unmarshal(top["errors"], &entries); err != nil || len(entries) == 0 {
		t.Fatalf("error body %s: \"errors\" is not a non-empty list", a.body)
	}
	for _, e := range entries {
		msg, ok := e["message"].(string)
		if !ok || msg == "" {
			t.Errorf("error entry %v has no message", e)
		}
		for k, v := range e {
			if _, isString := v.(string); (k != "message" && k != "field") || !isString {
				t.Errorf("error entry %v: unexpected %q: %v", e, k, v)
			}
		}
	}
}

const jsonType = "application/json"

// Bodies that no JSON route may accept.
var (
	nested   = func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	deepObj  = func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	big      = func(prefix string, n int, suffix string) string { return prefix + strings.Repeat("a", n) + suffix }
	tenK     = strings.Repeat("x", 10_000)
	tenKWide = strings.Repeat("é", 10_000)
	twoMiB   = 2 << 20
)

// commonBodies are sent to every route that reads a JSON body. All of them
// must be refused with 4xx in the error shape.
func commonBodies(valid string) []struct{ name, ctype, body string } {
	half := valid[:len(valid)/2]
	return []struct{ name, ctype, body string }{
		{"malformed: open brace", jsonType, "{"},
		{"malformed: not json", jsonType, "not json"},
		{"malformed: single quotes", jsonType, `{'a':'b'}`},
		{"malformed: trailing comma", jsonType, `{"a":1,}`},
		{"malformed: control bytes", jsonType, "\x00\x01\x02"},
		{"malformed: invalid utf-8 outside a string", jsonType, "{\xff\xfe}"},
		{"malformed: bare key", jsonType, `{a:1}`},
		{"truncated valid body", jsonType, half},
		{"two objects", jsonType, valid + valid},
		{"object then garbage", jsonType, valid + " garbage"},
		{"array of the valid body", jsonType, "[" + valid + "]"},
		{"empty array", jsonType, "[]"},
		{"string", jsonType, `"hello"`},
		{"number", jsonType, "42"},
		{"null", jsonType, "null"},
		{"true", jsonType, "true"},
		{"empty object", jsonType, "{}"},
		{"empty body", jsonType, ""},
		{"whitespace body", jsonType, "   \n\t "},
		{"unknown fields only", jsonType, `{"foo":1,"bar":[1,2],"__proto__":{"admin":true}}`},
		{"deep array nesting 20000", jsonType, `{"x":` + nested(20_000) + `}`},
		{"deep array nesting 100000 unclosed", jsonType, strings.Repeat("[", 100_000)},
		{"deep object nesting 20000", jsonType, deepObj(20_000)},
		{"deep nesting 5000 in unknown field", jsonType, `{"x":` + nested(5_000) + `}`},
		{"2 MiB string", jsonType, big(`{"x":"`, twoMiB, `"}`)},
		{"2 MiB whitespace", jsonType, strings.Repeat(" ", twoMiB) + valid},
		{"just over 1 MiB", jsonType, big(`{"x":"`, 1<<20, `"}`)},
		{"no content type", "", valid},
		{"text/plain", "text/plain", valid},
		{"form encoded", "application/x-www-form-urlencoded", "a=1&b=2"},
		{"multipart", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"},
		{"xml", "application/xml", "<a>1</a>"},
		{"bad media type", ";;;", valid},
		{"jsonp", "application/jsonp", valid},
	}
}

type hostileCase struct {
	name string
	rawRequest
	want int // an exact status; 0: any 4xx
}

// TestHostileInput sends hostile requests to every route of every service
// through the gateway, signed in where the route needs it. Routes that read
// a body must refuse bad input with 4xx in the SPEC §2 shape; no route may
// answer 5xx or hang.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	base := startApp(t, nil)
	seller, buyer := newUser(t, base), newUser(t, base)
	var tk, reserved ticket
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Hostile", "price": 10}, 201, &tk)
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Reserved", "price": 10}, 201, &reserved)
	h := &hostile{seller: cookieHeader(t, seller), buyer: cookieHeader(t, buyer), ticket: tk.ID, order: placeOrder(t, buyer, reserved.ID).ID}
	h.bodyRoutes()
	h.credentials()
	h.ticketBodies()
	h.ids()
	h.routes()
	h.ignoredBodies()
	h.run(t, base)

	// Afterwards: the ticket hostile PUTs aimed at is unchanged, and the
	// services still serve.
	t.Cleanup(func() {
		var got ticket
		seller.mustDo("GET", "/api/tickets/"+tk.ID, nil, 200, &got)
		if got.Title != "Hostile" || got.Price != 10 || got.Version != 0 {
			t.Errorf("ticket after hostile updates = %+v, want the original", got)
		}
	})
}

const hostileUnknownID = "0123456789abcdef01234567"

// hostile collects the cases of TestHostileInput: a seller's ticket and a
// buyer's order to aim at, with their session cookies.
type hostile struct {
	seller, buyer string // Cookie headers
	ticket, order string // ids
	cases         []hostileCase
}

func (h *hostile) add(name string, want int, rq rawRequest) {
	h.cases = append(h.cases, hostileCase{name: rq.method + " " + trim(rq.path) + ": " + name, rawRequest: rq, want: want})
}

func json1(format string, args ...any) []byte { return []byte(fmt.Sprintf(format, args...)) }

// bodyRoutes: every body-reading route gets every common hostile body.
func (h *hostile) bodyRoutes() {
	bodyRoutes := []struct {
		method, path, cookie, valid string
	}{
		{"POST", "/api/users/signup", "", `{"email":"ok@example.com","password":"secret"}`},
		{"POST", "/api/users/signin", "", `{"email":"ok@example.com","password":"secret"}`},
		{"POST", "/api/tickets", h.seller, `{"title":"Fine","price":5}`},
		{"PUT", "/api/tickets/" + h.ticket, h.seller, `{"title":"Fine","price":5}`},
		{"POST", "/api/orders", h.buyer, `{"ticketId":"` + h.ticket + `"}`},
		{"POST", "/api/payments", h.buyer, `{"token":"tok_visa","orderId":"` + h.order + `"}`},
	}
	for _, r := range bodyRoutes {
		for _, b := range commonBodies(r.valid) {
			h.add(b.name, 0, rawRequest{method: r.method, path: r.path, ctype: b.ctype, body: []byte(b.body), cookie: r.cookie})
		}
	}

}

// credentials: field by field, wrong types, injection objects, absurd
// sizes for sign-up and sign-in.
func (h *hostile) credentials() {
	for _, path := range []string{"/api/users/signup", "/api/users/signin"} {
		for _, c := range []struct{ name, body string }{
			{"email number", `{"email":42,"password":"secret"}`},
			{"email operator object", `{"email":{"$gt":""},"password":"secret"}`},
			{"email array", `{"email":["a@b.co"],"password":"secret"}`},
			{"email null", `{"email":null,"password":"secret"}`},
			{"email 10000 chars", `{"email":"` + tenK + `@example.com","password":"secret"}`},
			{"email html", `{"email":"<script>alert(1)</script>@example.com","password":"secret"}`},
			{"email with display name", `{"email":"Eve <eve@example.com>","password":"secret"}`},
			{"password number", `{"email":"ok@example.com","password":1234}`},
			{"password operator object", `{"email":"ok@example.com","password":{"$ne":null}}`},
			{"password array", `{"email":"ok@example.com","password":["secret"]}`},
			{"password blank", `{"email":"ok@example.com","password":"    "}`},
			{"missing password", `{"email":"ok@example.com"}`},
		} {
			h.add(c.name, 0, rawRequest{method: "POST", path: path, ctype: jsonType, body: []byte(c.body)})
		}
	}
	h.add("password 10000 chars", 413, // over /api/users' 4 KiB body limit
		rawRequest{method: "POST", path: "/api/users/signup", ctype: jsonType,
			body: json1(`{"email":"long@example.com","password":%q}`, tenK)})
	h.add("unknown email, 10000-char password", 413, rawRequest{method: "POST", path: "/api/users/signin", ctype: jsonType,
		body: json1(`{"email":"nobody-%s@example.com","password":%q}`, randHex(4), tenK)})

}

// ticketBodies: bad titles and prices for creating and updating a ticket.
func (h *hostile) ticketBodies() {
	ticketBodies := []struct{ name, body string }{
		{"title number", `{"title":42,"price":5}`},
		{"title object", `{"title":{"$gt":""},"price":5}`},
		{"title array", `{"title":["a"],"price":5}`},
		{"title true", `{"title":true,"price":5}`},
		{"title blank", `{"title":"   \t\n ","price":5}`},
		{"title 10000 chars", `{"title":"` + tenK + `","price":5}`},
		{"title 10000 multibyte chars", `{"title":"` + tenKWide + `","price":5}`},
		{"title deep nesting", `{"title":` + nested(5_000) + `,"price":5}`},
		{"price negative", `{"title":"t","price":-1}`},
		{"price zero", `{"title":"t","price":0}`},
		{"price minus zero", `{"title":"t","price":-0}`},
		{"price string zero", `{"title":"t","price":"0"}`},
		{"price 1e400", `{"title":"t","price":1e400}`},
		{"price string 1e309", `{"title":"t","price":"1e309"}`},
		{"price -1e400", `{"title":"t","price":-1e400}`},
		{"price 1e-400", `{"title":"t","price":1e-400}`},
		{"price below a cent", `{"title":"t","price":0.004}`},
		{"price huge integer", `{"title":"t","price":99999999999999999999999999999}`},
		{"price over the maximum", `{"title":"t","price":1000000.01}`},
		{"price huge exponent", `{"title":"t","price":"1e999999999"}`},
		{"price NaN", `{"title":"t","price":"NaN"}`},
		{"price nan", `{"title":"t","price":"nan"}`},
		{"price Infinity", `{"title":"t","price":"Infinity"}`},
		{"price -Infinity", `{"title":"t","price":"-Infinity"}`},
		{"price bare NaN", `{"title":"t","price":NaN}`},
		{"price hex", `{"title":"t","price":"0x10"}`},
		{"price bare hex", `{"title":"t","price":0x10}`},
		{"price thousands separator", `{"title":"t","price":"1,000"}`},
		{"price with unit", `{"title":"t","price":"5 dollars"}`},
		{"price empty string", `{"title":"t","price":""}`},
		{"price true", `{"title":"t","price":true}`},
		{"price array", `{"title":"t","price":[5]}`},
		{"price object", `{"title":"t","price":{"$gt":0}}`},
		{"price null", `{"title":"t","price":null}`},
		{"price missing", `{"title":"t"}`},
		{"price 10000 digits", `{"title":"t","price":` + strings.Repeat("9", 10_000) + `}`},
		{"price 10000 fraction digits", `{"title":"t","price":0.` + strings.Repeat("0", 10_000) + `1}`},
	}
	for _, c := range ticketBodies {
		h.add(c.name, 400, rawRequest{method: "POST", path: "/api/tickets", ctype: jsonType, body: []byte(c.body), cookie: h.seller})
		h.add(c.name, 400, rawRequest{method: "PUT", path: "/api/tickets/" + h.ticket, ctype: jsonType, body: []byte(c.body), cookie: h.seller})
	}

}

// ids: malformed, wrong-typed and unknown ids in bodies and paths.
func (h *hostile) ids() {
	badIDs := []struct{ name, id string }{
		{"short", "abc"},
		{"23 hex", hostileUnknownID[:23]},
		{"25 hex", hostileUnknownID + "0"},
		{"24 non-hex", "zzzzzzzzzzzzzzzzzzzzzzzz"},
		{"html", "<script>alert(1)</script>"},
		{"10000 chars", tenK},
		{"operator", "{$gt:''}"},
		{"spaces", " " + hostileUnknownID + " "},
		{"unicode", strings.Repeat("ü", 12)},
	}
	for _, id := range badIDs {
		h.add("ticketId "+id.name, 400, rawRequest{method: "POST", path: "/api/orders", ctype: jsonType,
			body: json1(`{"ticketId":%q}`, id.id), cookie: h.buyer})
		h.add("orderId "+id.name, 400, rawRequest{method: "POST", path: "/api/payments", ctype: jsonType,
			body: json1(`{"token":"tok_visa","orderId":%q}`, id.id), cookie: h.buyer})
		p := "/" + url.PathEscape(id.id)
		h.add("path id "+id.name, 400, rawRequest{method: "GET", path: "/api/tickets" + p})
		h.add("path id "+id.name, 400, rawRequest{method: "PUT", path: "/api/tickets" + p, ctype: jsonType,
			body: []byte(`{"title":"t","price":5}`), cookie: h.seller})
		h.add("path id "+id.name, 400, rawRequest{method: "GET", path: "/api/orders" + p, cookie: h.buyer})
		h.add("path id "+id.name, 400, rawRequest{method: "DELETE", path: "/api/orders" + p, cookie: h.buyer})
	}
	for _, v := range []struct{ name, value string }{
		{"number", "42"}, {"object", `{"$gt":""}`}, {"array", `["` + h.ticket + `"]`}, {"null", "null"}, {"true", "true"}, {"empty", `""`},
	} {
		h.add("ticketId "+v.name, 400, rawRequest{method: "POST", path: "/api/orders", ctype: jsonType,
			body: json1(`{"ticketId":%s}`, v.value), cookie: h.buyer})
		h.add("orderId "+v.name, 400, rawRequest{method: "POST", path: "/api/payments", ctype: jsonType,
			body: json1(`{"token":"tok_visa","orderId":%s}`, v.value), cookie: h.buyer})
		h.add("token "+v.name, 400, rawRequest{method: "POST", path: "/api/payments", ctype: jsonType,
			body: json1(`{"token":%s,"orderId":%q}`, v.value, h.order), cookie: h.buyer})
	}
	h.add("token blank", 400, rawRequest{method: "POST", path: "/api/payments", ctype: jsonType,
		body: json1(`{"token":"   ","orderId":%q}`, h.order), cookie: h.buyer})
	h.add("token 10000 chars", 0, rawRequest{method: "POST", path: "/api/payments", ctype: jsonType,
		body: json1(`{"token":%q,"orderId":%q}`, tenK, hostileUnknownID), cookie: h.buyer})
	h.add("ticketId unknown", 404, rawRequest{method: "POST", path: "/api/orders", ctype: jsonType,
		body: json1(`{"ticketId":%q}`, hostileUnknownID), cookie: h.buyer})
	h.add("orderId unknown", 404, rawRequest{method: "POST", path: "/api/payments", ctype: jsonType,
		body: json1(`{"token":"tok_visa","orderId":%q}`, hostileUnknownID), cookie: h.buyer})
	h.add("unknown id", 404, rawRequest{method: "GET", path: "/api/tickets/" + hostileUnknownID})
	h.add("unknown id", 404, rawRequest{method: "GET", path: "/api/orders/" + hostileUnknownID, cookie: h.buyer})
	h.add("unknown id", 404, rawRequest{method: "DELETE", path: "/api/orders/" + hostileUnknownID, cookie: h.buyer})
	h.add("encoded slash", 0, rawRequest{method: "GET", path: "/api/tickets/a%2Fb"})
	h.add("encoded NUL", 400, rawRequest{method: "GET", path: "/api/tickets/%00"})
	h.add("dot dot", 0, rawRequest{method: "GET", path: "/api/orders/%2e%2e", cookie: h.buyer})

}

// routes: wrong methods and unknown routes.
func (h *hostile) routes() {
	for _, m := range []struct{ method, path string }{
		{"GET", "/api/users/signup"}, {"PUT", "/api/users/signin"}, {"DELETE", "/api/users/currentuser"},
		{"PATCH", "/api/tickets/" + h.ticket}, {"DELETE", "/api/tickets/" + h.ticket}, {"DELETE", "/api/tickets"},
		{"PUT", "/api/orders"}, {"PATCH", "/api/orders/" + h.order}, {"GET", "/api/payments"}, {"DELETE", "/api/payments"},
		{"GET", "/api/users/nope"}, {"GET", "/api/tickets/" + h.ticket + "/x"}, {"GET", "/api/orders/" + h.order + "/x"},
		{"GET", "/api/payments/x"},
	} {
		h.add("wrong method or route", 0, rawRequest{method: m.method, path: m.path, cookie: h.buyer})
	}

}

// ignoredBodies: routes that read no body answer as usual whatever body
// they get.
func (h *hostile) ignoredBodies() {
	for _, r := range []struct {
		method, path, cookie string
		want                 int
	}{
		{"POST", "/api/users/signout", "", 200},
		{"GET", "/api/users/currentuser", h.buyer, 200},
		{"GET", "/api/tickets", "", 200},
		{"GET", "/api/tickets/" + h.ticket, "", 200},
		{"GET", "/api/orders", h.buyer, 200},
		{"GET", "/api/orders/" + h.order, h.buyer, 200},
	} {
		for _, b := range []struct{ name, ctype, body string }{
			{"malformed body", jsonType, "{"},
			{"array body", jsonType, "[1,2]"},
			{"text body", "text/plain", "hello"},
			{"deep nesting body", jsonType, nested(20_000)},
		} {
			h.add(b.name+" ignored", r.want, rawRequest{method: r.method, path: r.path, ctype: b.ctype, body: []byte(b.body), cookie: r.cookie})
		}
	}

}

// run sends every case in parallel; none may answer 5xx, each answers its
// status (any 4xx where none is named) in the error shape.
func (h *hostile) run(t *testing.T, base string) {
	cases := h.cases
	var mu sync.Mutex
	statuses := map[int]int{}
	t.Cleanup(func() { t.Logf("%d hostile requests; answers by status: %v", len(cases), statuses) })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := send(t, base, tc.rawRequest)
			mu.Lock()
			statuses[a.status]++
			mu.Unlock()
			checkStatus(t, a, tc.want)
			if a.status >= 400 {
				checkErrorShape(t, a)
			}
		})
	}
}

// TestMassAssignment checks that fields a client must not set (ids,
// owners, versions, statuses) are ignored, not stored.
func TestMassAssignment(t *testing.T) {
	t.Parallel()
	base := startApp(t, nil)
	seller, buyer := newUser(t, base), newUser(t, base)
	var me struct{ CurrentUser struct{ ID string } }
	seller.mustDo("GET", "/api/users/currentuser", nil, 200, &me)

	var tk struct {
		ticket
		UserID string `json:"userId"`
	}
	seller.mustDo("POST", "/api/tickets", map[string]any{
		"title": "Mine", "price": 5, "id": "0123456789abcdef01234567", "userId": "someone-else",
		"version": 42, "orderId": "0123456789abcdef01234567", "_id": "x", "outbox": []string{"x"},
	}, 201, &tk)
	if tk.UserID != me.CurrentUser.ID || tk.Version != 0 || tk.OrderID != "" || tk.ID == "0123456789abcdef01234567" {
		t.Errorf("created ticket = %+v, want owned by %s, version 0, no order", tk, me.CurrentUser.ID)
	}
	seller.mustDo("PUT", "/api/tickets/"+tk.ID, map[string]any{"title": "Mine", "price": 6, "userId": "x", "version": 99, "orderId": "0123456789abcdef01234567"}, 200, &tk)
	if tk.UserID != me.CurrentUser.ID || tk.Version != 1 || tk.OrderID != "" {
		t.Errorf("updated ticket = %+v, want owned by %s, version 1, no order", tk, me.CurrentUser.ID)
	}

	var o struct {
		order
		UserID  string `json:"userId"`
		Version int64  `json:"version"`
	}
	eventually(t, "ticket orderable", func() bool {
		return buyer.do("POST", "/api/orders", map[string]any{"ticketId": tk.ID, "userId": "x", "status": "complete", "version": 7, "expiresAt": "2999-01-01T00:00:00Z"}, &o) == http.StatusCreated
	})
	if o.Status != "created" || o.UserID == "x" || o.Version != 0 {
		t.Errorf("order = %+v, want created, version 0, owned by the buyer", o)
	}

	var u struct{ ID, Email string }
	jar, _ := cookiejar.New(nil)
	anon := &user{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	email := "mass" + randHex(4) + "@example.com"
	anon.mustDo("POST", "/api/users/signup", map[string]any{"email": email, "password": "secret", "id": "0123456789abcdef01234567", "passwordHash": "x", "admin": true}, 201, &u)
	if u.ID == "0123456789abcdef01234567" || u.Email != email {
		t.Errorf("user = %+v", u)
	}
}

// TestHostileTitlesRenderEscaped creates tickets whose titles are HTML and
// script and checks the raw HTML of the landing, ticket and order pages
// holds them escaped.
func TestHostileTitlesRenderEscaped(t *testing.T) {
	t.Parallel()
	base := startApp(t, nil)
	seller, buyer := newUser(t, base), newUser(t, base)
	titles := []string{
		`<script>alert("xss")</script>`,
		`<img src=x onerror=alert(1)>`,
		`"><svg onload=alert(1)>`,
		`'</title><script>alert(1)</script>`,
		`</td></tr></table><iframe src=javascript:alert(1)>`,
		`{{.User}} ${alert(1)} <!-- x -->`,
	}
	ids := make([]string, len(titles))
	for i, title := range titles {
		var tk ticket
		seller.mustDo("POST", "/api/tickets", map[string]any{"title": title, "price": 5}, 201, &tk)
		if tk.Title != title {
			t.Errorf("stored title = %q, want %q verbatim", tk.Title, title)
		}
		ids[i] = tk.ID
	}
	dangerous := []string{"<script>alert", "<img", "<svg", "<iframe", "</title><script>", "<!-- x -->"}
	check := func(what, html string, mustShow []string) {
		t.Helper()
		for _, d := range dangerous {
			if strings.Contains(html, d) {
				t.Errorf("%s holds %q unescaped", what, d)
			}
		}
		for _, s := range mustShow {
			if !strings.Contains(html, s) {
				t.Errorf("%s does not show the escaped title %q", what, s)
			}
		}
	}
	escaped := func(s string) string { // what html/template makes of s in text
		r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
		return r.Replace(s)
	}

	get := func(path, cookie string) string {
		a := send(t, base, rawRequest{method: "GET", path: path, cookie: cookie})
		if a.status != 200 {
			t.Fatalf("GET %s = %d", path, a.status)
		}
		return string(a.body)
	}
	var all []string
	for _, title := range titles {
		all = append(all, escaped(title))
	}
	check("landing page", get("/", ""), all)
	for i, id := range ids {
		check("ticket page of "+titles[i], get("/tickets/"+id, ""), []string{escaped(titles[i])})
	}
	o := placeOrder(t, buyer, ids[0])
	buyerCookie := cookieHeader(t, buyer)
	check("order page", get("/orders/"+o.ID, buyerCookie), []string{escaped(titles[0])})
	check("orders page", get("/orders", buyerCookie), []string{escaped(titles[0])})
}

// cookieHeader returns the Cookie header u's jar sends to base.
func cookieHeader(t *testing.T, u *user) string {
	t.Helper()
	base, err := url.Parse(u.base)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range u.http.Jar.Cookies(base) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		t.Fatalf("user %s has no cookie", u.email)
	}
	return strings.Join(parts, "; ")
}

func trim(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestHostileWebPages sends hostile requests to the web client's pages
// through the gateway: bad ids, hostile form values, oversized and
// malformed forms, path tricks. Each answers an HTML page or a redirect,
// never 5xx, and never echoes markup unescaped.
func TestHostileWebPages(t *testing.T) {
	t.Parallel()
	base := startApp(t, nil)
	u := newUser(t, base)
	cookie := cookieHeader(t, u)
	const form = "application/x-www-form-urlencoded"
	const unknownID = "0123456789abcdef01234567"
	script := "<script>alert(1)</script>"
	values := func(kv ...string) []byte {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return []byte(v.Encode())
	}
	tests := []struct {
		name string
		rawRequest
		want int // 0: any 4xx
	}{
		{"ticket id html", rawRequest{method: "GET", path: "/tickets/" + url.PathEscape(script)}, 400},
		{"ticket id non-hex", rawRequest{method: "GET", path: "/tickets/zzzzzzzzzzzzzzzzzzzzzzzz"}, 400},
		{"ticket id 10000 chars", rawRequest{method: "GET", path: "/tickets/" + tenK}, 400},
		{"ticket id NUL", rawRequest{method: "GET", path: "/tickets/%00"}, 400},
		{"ticket unknown", rawRequest{method: "GET", path: "/tickets/" + unknownID}, 404},
		{"order id non-hex", rawRequest{method: "GET", path: "/orders/zzz", cookie: cookie}, 400},
		{"order unknown", rawRequest{method: "GET", path: "/orders/" + unknownID, cookie: cookie}, 404},
		{"order signed out", rawRequest{method: "GET", path: "/orders/zzz"}, 303},
		{"purchase bad id", rawRequest{method: "POST", path: "/tickets/zzz/purchase", ctype: form, cookie: cookie}, 400},
		{"purchase unknown", rawRequest{method: "POST", path: "/tickets/" + unknownID + "/purchase", ctype: form, cookie: cookie}, 404},
		{"pay bad id", rawRequest{method: "POST", path: "/orders/zzz/pay", ctype: form, cookie: cookie}, 400},
		{"sign-up html email", rawRequest{method: "POST", path: "/auth/signup", ctype: form,
			body: values("email", `"><script>alert(1)</script>`, "password", "secret")}, 400},
		{"sign-up 10000-char password", rawRequest{method: "POST", path: "/auth/signup", ctype: form,
			body: values("email", "x"+randHex(4)+"@example.com", "password", tenK)}, 400},
		{"sign-in 2 MiB form", rawRequest{method: "POST", path: "/auth/signin", ctype: form,
			body: []byte("email=" + strings.Repeat("a", twoMiB))}, 400},
		{"sign-in malformed form", rawRequest{method: "POST", path: "/auth/signin", ctype: form, body: []byte("email=%zz&password=%")}, 400},
		{"sign-in JSON body", rawRequest{method: "POST", path: "/auth/signin", ctype: jsonType,
			body: []byte(`{"email":"a@b.co","password":"secret"}`)}, 400},
		{"new ticket price 1e309", rawRequest{method: "POST", path: "/tickets/new", ctype: form, cookie: cookie,
			body: values("title", "t", "price", "1e309")}, 400},
		{"new ticket price NaN", rawRequest{method: "POST", path: "/tickets/new", ctype: form, cookie: cookie,
			body: values("title", "t", "price", "NaN")}, 400},
		{"new ticket price hex", rawRequest{method: "POST", path: "/tickets/new", ctype: form, cookie: cookie,
			body: values("title", "t", "price", "0x10")}, 400},
		{"new ticket title 10000 chars", rawRequest{method: "POST", path: "/tickets/new", ctype: form, cookie: cookie,
			body: values("title", tenK, "price", "5")}, 400},
		{"new ticket html in fields", rawRequest{method: "POST", path: "/tickets/new", ctype: form, cookie: cookie,
			body: values("title", "", "price", script)}, 400},
		{"new ticket multipart", rawRequest{method: "POST", path: "/tickets/new", ctype: "multipart/form-data; boundary=x", cookie: cookie,
			body: []byte("--x\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nt\r\n--x--\r\n")}, 400},
		{"static path traversal", rawRequest{method: "GET", path: "/static/..%2f..%2fgo.mod"}, 0},
		{"static unknown", rawRequest{method: "GET", path: "/static/nope.js"}, 404},
		{"unknown page", rawRequest{method: "GET", path: "/" + url.PathEscape(script)}, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := send(t, base, tc.rawRequest)
			checkStatus(t, a, tc.want)
			if strings.Contains(string(a.body), script) {
				t.Errorf("page echoes %q unescaped", script)
			}
		})
	}
}
