package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gittix/ticketing/client/internal/apiclient"
	commonweb "github.com/gittix/ticketing/common/web"
)

// GET / — the tickets for sale, a page at a time: GET /?after=<id> is the
// page after that ticket, and a Next link is shown when the API says more
// remain.
func (s *Server) index(w http.ResponseWriter, r *http.Request, v *visit) error {
	after := r.URL.Query().Get("after")
	page, err := v.api.TicketsPage(r.Context(), after)
	if err != nil {
		return err
	}
	return s.render(w, v, http.StatusOK, "index", view{Title: "Tickets", Tickets: page.Tickets, After: after, Next: page.Next})
}

// authPage is the sign-up or the sign-in page: one form, two API calls.
type authPage struct {
	action, title string
	call          func(a *apiclient.Session, ctx context.Context, email, password string) error
	// tooLong is the answer to a password longer than any account has
	// (SPEC §4: 4 to 20 characters), given without asking the API, which
	// reads only a few KiB of a body.
	tooLong commonweb.FieldError
}

// maxPassword is the longest password an account can have (SPEC §4).
const maxPassword = 20

var (
	signUp = authPage{"signup", "Sign Up", (*apiclient.Session).SignUp,
		commonweb.FieldError{Field: "password", Message: "Password must be between 4 and 20 characters"}}
	signIn = authPage{"signin", "Sign In", (*apiclient.Session).SignIn,
		commonweb.FieldError{Message: "Invalid credentials"}}
)

// GET /auth/signup, /auth/signin
func (s *Server) authForm(a authPage) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) error {
		return s.render(w, v, http.StatusOK, "auth", view{Title: a.title, Action: a.action})
	}
}

// POST /auth/signup, /auth/signin — the API sets the session cookie, which
// is relayed with the redirect to /.
func (s *Server) authSubmit(a authPage) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, v *visit) error {
		email, password := r.PostFormValue("email"), r.PostFormValue("password")
		if utf8.RuneCountInString(strings.TrimSpace(password)) > maxPassword {
			return s.render(w, v, http.StatusBadRequest, "auth", view{Title: a.title, Action: a.action,
				Form: url.Values{"email": {email}}, Errors: []commonweb.FieldError{a.tooLong}})
		}
		err := a.call(v.api, r.Context(), email, password)
		if e, ok := formError(err); ok {
			return s.render(w, v, e.Status, "auth", view{Title: a.title, Action: a.action,
				Form: url.Values{"email": {email}}, Errors: e.Errors})
		}
		if err != nil {
			return err
		}
		return s.redirect(w, r, v, "/")
	}
}

// GET /auth/signout signs out when the visitor came from our own pages or
// typed the address (as the original did); a link from another site only
// gets a page with the sign-out button, so it cannot sign anyone out.
func (s *Server) signOutPage(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.user == nil {
		return s.redirect(w, r, v, "/")
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return s.signOut(w, r, v)
	}
	return s.render(w, v, http.StatusOK, "signout", view{Title: "Sign Out"})
}

// POST /auth/signout — the API clears the cookie; the answer is relayed.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, v *visit) error {
	if err := v.api.SignOut(r.Context()); err != nil {
		return err
	}
	return s.redirect(w, r, v, "/")
}

// GET /tickets/new
func (s *Server) newTicket(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.render(w, v, http.StatusOK, "ticket_new", view{Title: "Create a Ticket"})
}

// POST /tickets/new
func (s *Server) createTicket(w http.ResponseWriter, r *http.Request, v *visit) error {
	_, err := v.api.CreateTicket(r.Context(), r.PostFormValue("title"), r.PostFormValue("price"))
	if e, ok := formError(err); ok {
		return s.render(w, v, e.Status, "ticket_new", view{Title: "Create a Ticket", Form: r.PostForm, Errors: e.Errors})
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, v, "/")
}

// GET /tickets/{id}
func (s *Server) ticket(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderTicket(w, r, v, http.StatusOK, nil)
}

func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, v *visit, status int, errs []commonweb.FieldError) error {
	t, err := v.api.Ticket(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.render(w, v, status, "ticket", view{Title: t.Title, Ticket: t, Errors: errs})
}

// POST /tickets/{id}/purchase — reserve the ticket, then go pay.
func (s *Server) purchase(w http.ResponseWriter, r *http.Request, v *visit) error {
	o, err := v.api.CreateOrder(r.Context(), r.PathValue("id"))
	if e, ok := formError(err); ok {
		return s.renderTicket(w, r, v, e.Status, e.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, v, "/orders/"+url.PathEscape(o.ID))
}

// GET /orders
func (s *Server) orders(w http.ResponseWriter, r *http.Request, v *visit) error {
	orders, err := v.api.Orders(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, v, http.StatusOK, "orders", view{Title: "My Orders", Orders: orders})
}

// GET /orders/{id}
func (s *Server) order(w http.ResponseWriter, r *http.Request, v *visit) error {
	return s.renderOrder(w, r, v, http.StatusOK, nil)
}

func (s *Server) renderOrder(w http.ResponseWriter, r *http.Request, v *visit, status int, errs []commonweb.FieldError) error {
	o, err := v.api.Order(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	data := view{Title: "Order", Order: o, SecondsLeft: secondsLeft(o.ExpiresAt, s.now()), Errors: errs}
	switch o.Status {
	case apiclient.StatusComplete:
		data.Paid = true
	case apiclient.StatusCancelled:
		data.Expired = true
	default:
		data.Expired = data.SecondsLeft == 0
	}
	if !data.Paid && !data.Expired {
		data.StripeKey, data.StripeJS = s.stripeKey, s.stripeJS
		data.Confirming = s.stripeKey != "" && r.URL.Query().Get("redirect_status") == "succeeded"
	}
	return s.render(w, v, status, "order", data)
}

// POST /orders/{id}/pay — with Stripe.js the form carries the card token;
// without a publishable key the order is paid with Stripe's test card.
func (s *Server) pay(w http.ResponseWriter, r *http.Request, v *visit) error {
	token := "tok_visa"
	if s.stripeKey != "" {
		token = r.PostFormValue("token")
		if token == "" {
			return s.renderOrder(w, r, v, http.StatusBadRequest, []commonweb.FieldError{
				{Message: "Enter your card details (the card form needs JavaScript)", Field: "token"}})
		}
	}
	err := v.api.Pay(r.Context(), token, r.PathValue("id"))
	if e, ok := formError(err); ok {
		return s.renderOrder(w, r, v, e.Status, e.Errors)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, v, "/orders")
}

// POST /orders/{id}/intent — for the Payment Element's script: the order's
// PaymentIntent client secret as JSON, or {"error": message} with the API's
// status.
func (s *Server) intent(w http.ResponseWriter, r *http.Request, v *visit) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	in, err := v.api.Intent(r.Context(), r.PathValue("id"))
	if e, ok := formError(err); ok {
		w.WriteHeader(e.Status)
		return json.NewEncoder(w).Encode(map[string]string{"error": e.Errors[0].Message})
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(w).Encode(map[string]string{"clientSecret": in.ClientSecret})
}

// Any other path.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, v *visit) error {
	s.errorPage(w, v, http.StatusNotFound, "There is no page here.")
	return nil
}
