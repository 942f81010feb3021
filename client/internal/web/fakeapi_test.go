package web

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gittix/ticketing/client/internal/apiclient"
)

// fakeAPI answers like the GitTix services behind the ingress, with the
// exact JSON of SPEC §2 and §4–§7, from memory. Its JSON is written here with
// maps, independently of apiclient's types.
type fakeAPI struct {
	now    time.Time
	window time.Duration

	mu       sync.Mutex
	nextID   int
	users    map[string]*fakeUser // by email
	tickets  map[string]*fakeTicket
	orders   []*fakeOrder
	seen     []seenRequest               // every request, in order
	sent     []string                    // every Set-Cookie sent
	override map[string]http.HandlerFunc // "METHOD /path" → answer instead
	cookies  map[string][]string         // "METHOD /path" → Set-Cookie values to send instead
}

type fakeUser struct{ id, email, password string }

type fakeTicket struct {
	id, title, userID, orderID string
	price                      float64
	version                    int
}

type fakeOrder struct {
	id, userID, status string
	ticket             *fakeTicket
	expiresAt          time.Time
	version            int
}

type seenRequest struct {
	Method, Path, Host, Cookie, Body string
}

func newFakeAPI(now time.Time) *fakeAPI {
	return &fakeAPI{
		now: now, window: 60 * time.Second,
		users: map[string]*fakeUser{}, tickets: map[string]*fakeTicket{},
		override: map[string]http.HandlerFunc{}, cookies: map[string][]string{},
	}
}

// --- fixtures (callers hold no lock) ---

func (f *fakeAPI) id() string { f.nextID++; return fmt.Sprintf("%024x", 0xabc000+f.nextID) }

func (f *fakeAPI) addUser(email, password string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := &fakeUser{id: f.id(), email: email, password: password}
	f.users[email] = u
	return u.id
}

func (f *fakeAPI) addTicket(title string, price float64, userID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTicket{id: f.id(), title: title, price: price, userID: userID}
	f.tickets[t.id] = t
	return t.id
}

func (f *fakeAPI) addOrder(userID, ticketID, status string, expiresAt time.Time) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := &fakeOrder{id: f.id(), userID: userID, status: status, ticket: f.tickets[ticketID], expiresAt: expiresAt}
	if status != "cancelled" {
		o.ticket.orderID = o.id
	}
	f.orders = append(f.orders, o)
	return o.id
}

// cookieFor is the browser's Cookie header of a signed-in user: SPEC §3's
// base64 of {"jwt": …}; the fake's "token" is the user id.
func cookieFor(userID string) string { return "session=" + sessionValue(userID) }

func sessionValue(userID string) string {
	return base64.StdEncoding.EncodeToString([]byte(`{"jwt":"` + userID + `"}`))
}

func (f *fakeAPI) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeAPI) sentCookies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// called reports whether the API got a request "METHOD /path".
func (f *fakeAPI) called(route string) bool {
	for _, r := range f.requests() {
		if r.Method+" "+r.Path == route {
			return true
		}
	}
	return false
}

// --- HTTP ---

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, seenRequest{r.Method, r.URL.Path, r.Host, r.Header.Get("Cookie"), string(body)})
	if h, ok := f.override[r.Method+" "+r.URL.Path]; ok {
		h(w, r)
		return
	}
	user := f.userOf(r)
	in := map[string]any{}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			apiError(w, 400, "Request body contains malformed JSON", "")
			return
		}
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	route, id := r.Method+" "+r.URL.Path, ""
	if m := regexp.MustCompile(`^(GET /api/(?:tickets|orders)/)([^/]+)$`).FindStringSubmatch(route); m != nil {
		route, id = m[1]+":id", m[2]
	}
	switch route {
	case "GET /api/users/currentuser":
		if user == nil {
			writeJSON(w, 200, map[string]any{"currentUser": nil})
			return
		}
		writeJSON(w, 200, map[string]any{"currentUser": map[string]any{"id": user.id, "email": user.email, "iat": f.now.Unix()}})
	case "POST /api/users/signup":
		email, password := strings.ToLower(strings.TrimSpace(str("email"))), strings.TrimSpace(str("password"))
		var errs []map[string]any
		if !strings.Contains(email, "@") {
			errs = append(errs, map[string]any{"message": "Email must be valid", "field": "email"})
		}
		if len(password) < 4 || len(password) > 20 {
			errs = append(errs, map[string]any{"message": "Password must be between 4 and 20 characters", "field": "password"})
		}
		if len(errs) > 0 {
			writeJSON(w, 400, map[string]any{"errors": errs})
			return
		}
		if f.users[email] != nil {
			apiError(w, 400, "Email in use", "")
			return
		}
		u := &fakeUser{id: f.id(), email: email, password: password}
		f.users[email] = u
		f.setSession(w, route, "session="+sessionValue(u.id)+"; Path=/; HttpOnly; SameSite=Lax")
		writeJSON(w, 201, map[string]any{"id": u.id, "email": u.email})
	case "POST /api/users/signin":
		u := f.users[strings.ToLower(strings.TrimSpace(str("email")))]
		if u == nil || u.password != str("password") {
			apiError(w, 400, "Invalid credentials", "")
			return
		}
		f.setSession(w, route, "session="+sessionValue(u.id)+"; Path=/; HttpOnly; SameSite=Lax")
		writeJSON(w, 200, map[string]any{"id": u.id, "email": u.email})
	case "POST /api/users/signout":
		f.setSession(w, route, "session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax")
		writeJSON(w, 200, map[string]any{})
	case "GET /api/tickets":
		list := []any{}
		for _, t := range f.sortedTickets() {
			if t.orderID == "" {
				list = append(list, ticketJSON(t))
			}
		}
		writeJSON(w, 200, list)
	case "GET /api/tickets/:id":
		if t := f.ticket(w, id); t != nil {
			writeJSON(w, 200, ticketJSON(t))
		}
	case "POST /api/tickets":
		if user == nil {
			apiError(w, 401, "Not authorized", "")
			return
		}
		var errs []map[string]any
		if strings.TrimSpace(str("title")) == "" {
			errs = append(errs, map[string]any{"message": "Title is required", "field": "title"})
		}
		price, ok := in["price"].(float64)
		if s, isStr := in["price"].(string); isStr {
			p, err := strconv.ParseFloat(s, 64)
			price, ok = p, err == nil
		}
		if !ok || price <= 0 {
			errs = append(errs, map[string]any{"message": "Price must be greater than 0", "field": "price"})
		}
		if len(errs) > 0 {
			writeJSON(w, 400, map[string]any{"errors": errs})
			return
		}
		t := &fakeTicket{id: f.id(), title: strings.TrimSpace(str("title")), price: price, userID: user.id}
		f.tickets[t.id] = t
		writeJSON(w, 201, ticketJSON(t))
	case "POST /api/orders":
		if user == nil {
			apiError(w, 401, "Not authorized", "")
			return
		}
		if !isObjectID(str("ticketId")) {
			apiError(w, 400, "TicketId must be provided", "ticketId")
			return
		}
		t := f.tickets[str("ticketId")]
		if t == nil {
			apiError(w, 404, "Not Found", "")
			return
		}
		if t.orderID != "" {
			apiError(w, 400, "Ticket is already reserved", "")
			return
		}
		o := &fakeOrder{id: f.id(), userID: user.id, status: "created", ticket: t, expiresAt: f.now.Add(f.window)}
		t.orderID = o.id
		f.orders = append(f.orders, o)
		writeJSON(w, 201, orderJSON(o))
	case "GET /api/orders":
		if user == nil {
			apiError(w, 401, "Not authorized", "")
			return
		}
		list := []any{}
		for _, o := range f.orders {
			if o.userID == user.id {
				list = append(list, orderJSON(o))
			}
		}
		writeJSON(w, 200, list)
	case "GET /api/orders/:id":
		if user == nil {
			apiError(w, 401, "Not authorized", "")
			return
		}
		if o := f.order(w, id, user); o != nil {
			writeJSON(w, 200, orderJSON(o))
		}
	case "POST /api/payments":
		if user == nil {
			apiError(w, 401, "Not authorized", "")
			return
		}
		if str("token") == "" {
			apiError(w, 400, "Token is required", "token")
			return
		}
		o := f.order(w, str("orderId"), user)
		switch {
		case o == nil:
		case o.status == "cancelled":
			apiError(w, 400, "Cannot pay for a cancelled order", "")
		case o.status == "complete":
			apiError(w, 400, "Order is already paid", "")
		case str("token") == "tok_chargeDeclined":
			apiError(w, 402, "Your card was declined.", "")
		default:
			o.status, o.version = "complete", o.version+1 // the real one does this on payment:created
			writeJSON(w, 201, map[string]any{"id": f.id()})
		}
	default:
		apiError(w, 404, "Not Found", "")
	}
}

func (f *fakeAPI) userOf(r *http.Request) *fakeUser {
	c, err := r.Cookie("session")
	if err != nil {
		return nil
	}
	raw, err := base64.StdEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var v struct{ JWT string }
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	for _, u := range f.users {
		if u.id == v.JWT {
			return u
		}
	}
	return nil
}

// setSession sends the session cookie, or the test's own cookies for route.
func (f *fakeAPI) setSession(w http.ResponseWriter, route, cookie string) {
	values, ok := f.cookies[route]
	if !ok {
		values = []string{cookie}
	}
	for _, v := range values {
		w.Header().Add("Set-Cookie", v)
		f.sent = append(f.sent, v)
	}
}

func (f *fakeAPI) ticket(w http.ResponseWriter, id string) *fakeTicket {
	if !isObjectID(id) {
		apiError(w, 400, "Ticket id must be a valid id", "")
		return nil
	}
	t := f.tickets[id]
	if t == nil {
		apiError(w, 404, "Not Found", "")
	}
	return t
}

func (f *fakeAPI) order(w http.ResponseWriter, id string, user *fakeUser) *fakeOrder {
	if !isObjectID(id) {
		apiError(w, 400, "Order id must be a valid id", "")
		return nil
	}
	for _, o := range f.orders {
		if o.id == id {
			if o.userID != user.id {
				apiError(w, 401, "Not authorized", "")
				return nil
			}
			return o
		}
	}
	apiError(w, 404, "Not Found", "")
	return nil
}

func (f *fakeAPI) sortedTickets() []*fakeTicket {
	var list []*fakeTicket
	for _, t := range f.tickets {
		list = append(list, t)
	}
	for i := range list { // insertion sort by id: creation order
		for j := i; j > 0 && list[j].id < list[j-1].id; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	return list
}

func ticketJSON(t *fakeTicket) map[string]any {
	m := map[string]any{"id": t.id, "title": t.title, "price": t.price, "userId": t.userID, "version": t.version}
	if t.orderID != "" {
		m["orderId"] = t.orderID
	}
	return m
}

func orderJSON(o *fakeOrder) map[string]any {
	return map[string]any{
		"id": o.id, "userId": o.userID, "status": o.status,
		"expiresAt": o.expiresAt.UTC().Format(time.RFC3339Nano), "version": o.version,
		"ticket": map[string]any{"id": o.ticket.id, "title": o.ticket.title, "price": o.ticket.price, "version": o.ticket.version},
	}
}

var objectID = regexp.MustCompile(`^[0-9a-f]{24}$`)

func isObjectID(s string) bool { return objectID.MatchString(s) }

func apiError(w http.ResponseWriter, status int, msg, field string) {
	e := map[string]any{"message": msg}
	if field != "" {
		e["field"] = field
	}
	writeJSON(w, status, map[string]any{"errors": []any{e}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var testNow = time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC)

// harness is the client in front of a fake API.
type harness struct {
	api    *fakeAPI
	server *Server
	h      http.Handler
}

func newHarness(t *testing.T, opt Options) *harness {
	t.Helper()
	f := newFakeAPI(testNow)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return newHarnessAt(t, f, srv.URL, opt)
}

func newHarnessAt(t *testing.T, f *fakeAPI, apiURL string, opt Options) *harness {
	t.Helper()
	api, err := apiclient.New(apiclient.Endpoints{Base: apiURL, Host: "ticketing.dev"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	opt.Now = func() time.Time { return testNow }
	s, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), api, opt)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &harness{api: f, server: s, h: s.Routes()}
}

func (h *harness) get(t *testing.T, path, cookie string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

// post submits a form from our own page, as a browser does.
func (h *harness) post(t *testing.T, path, cookie string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return h.postWith(t, path, cookie, form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"})
}

func (h *harness) postWith(t *testing.T, path, cookie string, form url.Values, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return rec
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d; body:\n%s", rec.Code, want, rec.Body)
	}
}

func wantRedirect(t *testing.T, rec *httptest.ResponseRecorder, to string) {
	t.Helper()
	wantStatus(t, rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != to {
		t.Fatalf("Location = %q, want %q", got, to)
	}
}

func wantBody(t *testing.T, body string, want, notWant []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, w := range notWant {
		if strings.Contains(body, w) {
			t.Errorf("page has %q", w)
		}
	}
	if t.Failed() {
		t.Logf("body:\n%s", body)
	}
}

// fixture is a small world: alice is signed in; bob sells two tickets, one
// reserved by alice's open order; alice also paid for a third.
type fixture struct {
	alice, bob                         string // user ids
	free, reserved, sold               string // ticket ids
	openOrder, paidOrder, expiredOrder string
}

func seed(f *fakeAPI) fixture {
	var x fixture
	x.alice = f.addUser("alice@example.com", "password")
	x.bob = f.addUser("bob@example.com", "password")
	x.free = f.addTicket("Concert", 20, x.bob)
	x.reserved = f.addTicket("Opera", 45.5, x.bob)
	x.sold = f.addTicket("Ballet", 12.25, x.bob)
	x.openOrder = f.addOrder(x.alice, x.reserved, "created", testNow.Add(90*time.Second))
	x.paidOrder = f.addOrder(x.alice, x.sold, "complete", testNow.Add(-time.Hour))
	x.expiredOrder = f.addOrder(x.alice, x.free, "cancelled", testNow.Add(-time.Minute))
	return x
}

// newSeeded is newHarness with the fixture seeded in its API.
func newSeeded(t *testing.T, opt Options) (*harness, fixture) {
	t.Helper()
	h := newHarness(t, opt)
	return h, seed(h.api)
}

// cookie returns alice's session cookie when signedIn, else "" (none).
func (x fixture) cookie(signedIn bool) string {
	if signedIn {
		return cookieFor(x.alice)
	}
	return ""
}

var inlineScript = regexp.MustCompile(`<script(\s[^>]*)?>[^<]`)
