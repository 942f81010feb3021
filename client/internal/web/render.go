package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gittix/ticketing/client/internal/apiclient"
	commonweb "github.com/gittix/ticketing/common/web"
)

// view is the data of every page; each page uses the fields it needs.
type view struct {
	Title     string
	User      *apiclient.User // nil: signed out
	StripeKey string          // set on a payable order page when Stripe.js is used
	StripeJS  string          // where Stripe.js comes from, with StripeKey
	// Confirming: back from Stripe with a payment the webhook has not
	// completed yet; the page looks again shortly.
	Confirming bool

	Form   url.Values             // the values typed in a form, shown again with its errors
	Errors []commonweb.FieldError // the API's messages, shown beside the form

	Action      string // auth page: "signup" or "signin"
	Tickets     []apiclient.Ticket
	After       string // index: the cursor this page starts after; "" on the first page
	Next        string // index: the cursor of the next page; "" on the last page
	Ticket      apiclient.Ticket
	Orders      []apiclient.Order
	Order       apiclient.Order
	SecondsLeft int  // order page: time left to pay
	Paid        bool // order page: complete
	Expired     bool // order page: cancelled or out of time

	Status int // error page
}

var funcs = template.FuncMap{
	"price": price,
	"invalid": func(errs []commonweb.FieldError, field string) bool {
		return slices.ContainsFunc(errs, func(e commonweb.FieldError) bool { return e.Field == field })
	},
	"statusText": http.StatusText,
}

// price formats dollars with two decimals.
func price(p float64) string { return "$" + strconv.FormatFloat(p, 'f', 2, 64) }

// secondsLeft is the whole seconds until expiresAt, rounded up, never negative.
func secondsLeft(expiresAt, now time.Time) int {
	d := expiresAt.Sub(now)
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// parsePages parses templates/layout.html with each other template: one
// template set per page, keyed by file name without ".html".
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, name := range names {
		if name == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[strings.TrimSuffix(path.Base(name), ".html")] = t
	}
	return pages, nil
}

// visit is one browser request: its API session (the browser's cookies in,
// the API's Set-Cookie out) and the signed-in user, nil when signed out.
type visit struct {
	api  *apiclient.Session
	user *apiclient.User
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, v *visit) error

// Who may see a page.
const (
	anyone   = false
	signedIn = true
)

// page adapts h: it reads the form of a POST, loads the current user from
// the API and, when the page needs one, sends a signed-out visitor to
// /auth/signin. A returned error becomes an error page.
func (s *Server) page(needUser bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &visit{api: s.api.Session(strings.Join(r.Header.Values("Cookie"), "; "))}
		err := s.serveVisit(w, r, v, needUser, h)
		if err != nil {
			s.fail(w, r, v, err)
		}
	})
}

func (s *Server) serveVisit(w http.ResponseWriter, r *http.Request, v *visit, needUser bool, h handlerFunc) error {
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			return &apiclient.Error{Status: http.StatusBadRequest, Errors: []commonweb.FieldError{{Message: "The form could not be read"}}}
		}
	}
	user, err := v.api.CurrentUser(r.Context())
	if err != nil {
		return err
	}
	v.user = user
	if needUser && user == nil {
		return errSignIn
	}
	return h(w, r, v)
}

// render executes a page into a buffer and only then writes it, so a
// template error never sends half a page.
func (s *Server) render(w http.ResponseWriter, v *visit, status int, name string, data view) error {
	t, ok := s.pages[name]
	if !ok {
		return fmt.Errorf("no page %q", name)
	}
	data.User = v.user
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	relayCookies(w, v)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
	return nil
}

// redirect answers 303 See Other (POST-redirect-GET).
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, v *visit, to string) error {
	relayCookies(w, v)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// relayCookies passes the API's Set-Cookie headers to the browser unchanged.
func relayCookies(w http.ResponseWriter, v *visit) {
	for _, c := range v.api.SetCookies() {
		w.Header().Add("Set-Cookie", c)
	}
}

// formError reports whether err is an API answer to show beside a form: a
// rule the input broke (400) or a declined card (402).
func formError(err error) (*apiclient.Error, bool) {
	var e *apiclient.Error
	if errors.As(err, &e) && (e.Status == http.StatusBadRequest || e.Status == http.StatusPaymentRequired) {
		return e, true
	}
	return nil, false
}

// fail answers a handler's error: signed-out visitors go to the sign-in
// page; API errors keep their status and messages; an unreachable API is a
// 502; anything else is a logged 500.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	var apiErr *apiclient.Error
	switch {
	case errors.Is(err, errSignIn), apiclient.StatusOf(err) == http.StatusUnauthorized && v.user == nil:
		s.redirect(w, r, v, "/auth/signin")
	case errors.As(err, &apiErr):
		if apiErr.Status >= 500 {
			s.log.Warn("API error", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		s.renderError(w, v, apiErr.Status, apiErr.Errors)
	case errors.Is(err, apiclient.ErrUnreachable):
		s.log.Warn("API unreachable", "method", r.Method, "path", r.URL.Path, "err", err)
		s.errorPage(w, v, http.StatusBadGateway, "The service cannot be reached right now. Please try again in a moment.")
	default:
		s.log.Error("page failed", "method", r.Method, "path", r.URL.Path, "err", err)
		s.errorPage(w, v, http.StatusInternalServerError, "Something went wrong")
	}
}

func (s *Server) errorPage(w http.ResponseWriter, v *visit, status int, msg string) {
	s.renderError(w, v, status, []commonweb.FieldError{{Message: msg}})
}

func (s *Server) renderError(w http.ResponseWriter, v *visit, status int, errs []commonweb.FieldError) {
	data := view{Title: http.StatusText(status), Status: status, Errors: errs}
	if data.Title == "" {
		data.Title = "Error"
	}
	if err := s.render(w, v, status, "error", data); err != nil {
		s.log.Error("render error page", "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}
