// Package web serves the GitTix pages (SPEC §9): server-rendered HTML that
// calls the API through apiclient, with plain forms and POST-redirect-GET.
package web

import (
	"cmp"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gittix/ticketing/client/internal/apiclient"
	commonweb "github.com/gittix/ticketing/common/web"
)

//go:embed templates/*.html static/*
var files embed.FS

// maxForm bounds a submitted form.
const maxForm = 64 << 10

// Options are the optional settings of a Server.
type Options struct {
	// StripeKey is the Stripe publishable key; when set, the order page
	// pays with Stripe's Payment Element (a PaymentIntent confirmed in the
	// browser, 3-D Secure included), else with the test token tok_visa.
	StripeKey string
	// StripeJS is where Stripe.js is loaded from: Stripe's
	// (https://js.stripe.com/v3/, the default), or a same-site path such
	// as make dev's stand-in (/dev/stripe/v3/stripe.js).
	StripeJS string
	// Now is the clock of the countdown; default time.Now.
	Now func() time.Time
}

// Server renders the pages.
type Server struct {
	log       *slog.Logger
	api       *apiclient.Client
	pages     map[string]*template.Template
	static    fs.FS
	stripeKey string
	stripeJS  string
	csp       string
	now       func() time.Time
}

// New parses every template (an error here is a bug, found at start-up).
func New(log *slog.Logger, api *apiclient.Client, opt Options) (*Server, error) {
	pages, err := parsePages(files)
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}
	s := &Server{
		log: log, api: api, pages: pages, static: static,
		stripeKey: opt.StripeKey, stripeJS: cmp.Or(opt.StripeJS, DefaultStripeJS),
		csp: contentSecurityPolicy(opt.StripeKey != "", cmp.Or(opt.StripeJS, DefaultStripeJS)),
		now: opt.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Routes returns the handler of every page, with cross-origin protection
// and security headers.
func (s *Server) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", s.page(anyone, s.index))
	for _, a := range []authPage{signUp, signIn} {
		mux.Handle("GET /auth/"+a.action, s.page(anyone, s.authForm(a)))
		mux.Handle("POST /auth/"+a.action, s.page(anyone, s.authSubmit(a)))
	}
	mux.Handle("GET /auth/signout", s.page(anyone, s.signOutPage))
	mux.Handle("POST /auth/signout", s.page(anyone, s.signOut))
	mux.Handle("GET /tickets/new", s.page(signedIn, s.newTicket))
	mux.Handle("POST /tickets/new", s.page(signedIn, s.createTicket))
	mux.Handle("GET /tickets/{id}", s.page(anyone, s.ticket))
	mux.Handle("POST /tickets/{id}/purchase", s.page(signedIn, s.purchase))
	mux.Handle("GET /orders", s.page(signedIn, s.orders))
	mux.Handle("GET /orders/{id}", s.page(signedIn, s.order))
	mux.Handle("POST /orders/{id}/pay", s.page(signedIn, s.pay))
	mux.Handle("POST /orders/{id}/intent", s.page(signedIn, s.intent))
	mux.HandleFunc("GET /static/{name}", s.staticFile)
	mux.HandleFunc("GET /healthz", commonweb.Healthz)
	mux.HandleFunc("GET /readyz", commonweb.Healthz)
	mux.Handle("/", s.page(anyone, s.notFound))

	// Unsafe methods must come from our own origin (Sec-Fetch-Site, or
	// Origin against Host): this is the CSRF protection of every form.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
			"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
		s.errorPage(w, &visit{api: s.api.Session("")}, http.StatusForbidden,
			"This form was sent from another site, so it was refused. Go back and try again.")
	}))
	return s.secure(s.recover(cop.Handler(mux)))
}

func (s *Server) staticFile(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	http.ServeFileFS(w, r, s.static, r.PathValue("name"))
}

// DefaultStripeJS is Stripe's own Stripe.js.
const DefaultStripeJS = "https://js.stripe.com/v3/"

// contentSecurityPolicy allows only our own scripts and styles (no inline
// script), plus Stripe.js (its origin, its frames, its API) when a
// publishable key is configured; a same-site Stripe.js needs nothing more.
func contentSecurityPolicy(stripe bool, stripeJS string) string {
	csp := "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " +
		"form-action 'self'; frame-ancestors 'none'; "
	if u, err := url.Parse(stripeJS); stripe && err == nil && u.Host != "" {
		origin := u.Scheme + "://" + u.Host
		return csp + "script-src 'self' " + origin + "; frame-src " + origin + " https://hooks.stripe.com; " +
			"connect-src 'self' https://api.stripe.com"
	}
	return csp + "script-src 'self'"
}

// secure sets the security headers of every answer.
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// recover turns a panic into a logged 500 page; the visitor never sees the
// stack.
func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", v)
				s.errorPage(w, &visit{api: s.api.Session("")}, http.StatusInternalServerError, "Something went wrong")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// errSignIn sends a signed-out visitor to the sign-in page.
var errSignIn = errors.New("sign in required")
