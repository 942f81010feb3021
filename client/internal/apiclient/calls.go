package apiclient

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// User is the signed-in user (SPEC §4).
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// Ticket is a ticket (SPEC §5). OrderID is set while it is reserved.
type Ticket struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"`
	UserID  string  `json:"userId"`
	Version int64   `json:"version"`
	OrderID string  `json:"orderId,omitempty"`
}

// Order is an order with its ticket embedded (SPEC §6).
type Order struct {
	ID        string      `json:"id"`
	UserID    string      `json:"userId"`
	Status    string      `json:"status"`
	ExpiresAt time.Time   `json:"expiresAt"`
	Version   int64       `json:"version"`
	Ticket    OrderTicket `json:"ticket"`
}

// OrderTicket is the ticket embedded in an order.
type OrderTicket struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"`
	Version int64   `json:"version"`
}

// Order statuses (SPEC §6).
const (
	StatusCreated         = "created"
	StatusCancelled       = "cancelled"
	StatusAwaitingPayment = "awaiting:payment"
	StatusComplete        = "complete"
)

// CurrentUser returns the signed-in user, or nil when signed out.
func (s *Session) CurrentUser(ctx context.Context) (*User, error) {
	var out struct {
		CurrentUser *User `json:"currentUser"`
	}
	if err := s.do(ctx, "GET", "/api/users/currentuser", nil, &out); err != nil {
		return nil, err
	}
	return out.CurrentUser, nil
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// SignUp creates a user; the API sets the session cookie.
func (s *Session) SignUp(ctx context.Context, email, password string) error {
	return s.do(ctx, "POST", "/api/users/signup", credentials{email, password}, nil)
}

// SignIn signs a user in; the API sets the session cookie.
func (s *Session) SignIn(ctx context.Context, email, password string) error {
	return s.do(ctx, "POST", "/api/users/signin", credentials{email, password}, nil)
}

// SignOut signs out; the API clears the session cookie.
func (s *Session) SignOut(ctx context.Context) error {
	return s.do(ctx, "POST", "/api/users/signout", struct{}{}, nil)
}

// Tickets lists the first page of the tickets that are not reserved.
func (s *Session) Tickets(ctx context.Context) ([]Ticket, error) {
	p, err := s.TicketsPage(ctx, "")
	return p.Tickets, err
}

// TicketPage is one page of the tickets for sale (SPEC §5: the API answers
// a page at a time, oldest first).
type TicketPage struct {
	Tickets []Ticket
	// Next is the cursor of the next page (the ?after= of the API's Link
	// rel="next" header), or "" on the last page.
	Next string
}

// TicketsPage lists the page of tickets for sale after the ticket after,
// or the first page when after is "".
func (s *Session) TicketsPage(ctx context.Context, after string) (TicketPage, error) {
	path := "/api/tickets"
	if after != "" {
		path += "?" + url.Values{"after": {after}}.Encode()
	}
	var p TicketPage
	h, err := s.send(ctx, "GET", path, nil, &p.Tickets)
	if err != nil {
		return TicketPage{}, err
	}
	p.Next = nextCursor(h.Values("Link"))
	return p, nil
}

// nextCursor returns the ?after= of the rel="next" link among Link header
// values (RFC 8288: <uri>; rel="next", several links comma-separated), or
// "".
func nextCursor(links []string) string {
	for _, v := range links {
		for link := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			if !hasRelNext(params) {
				continue
			}
			u, err := url.Parse(target[1 : len(target)-1])
			if err != nil {
				continue
			}
			if after := u.Query().Get("after"); after != "" {
				return after
			}
		}
	}
	return ""
}

// hasRelNext reports whether link parameters hold rel="next" (or rel=next,
// or next among several relation types).
func hasRelNext(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "rel") {
			continue
		}
		for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(value), `"`)) {
			if strings.EqualFold(rel, "next") {
				return true
			}
		}
	}
	return false
}

// Ticket returns one ticket.
func (s *Session) Ticket(ctx context.Context, id string) (Ticket, error) {
	var out Ticket
	return out, s.do(ctx, "GET", "/api/tickets/"+url.PathEscape(id), nil, &out)
}

// CreateTicket offers a ticket for sale. price is what the seller typed: it
// is sent as a JSON number when it is one, else as the typed string (which
// the API accepts when numeric and otherwise rejects with its own message).
func (s *Session) CreateTicket(ctx context.Context, title, price string) (Ticket, error) {
	in := struct {
		Title string `json:"title"`
		Price any    `json:"price"`
	}{title, priceValue(price)}
	var out Ticket
	return out, s.do(ctx, "POST", "/api/tickets", in, &out)
}

func priceValue(s string) any {
	s = strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(s, 64); err == nil && json.Valid([]byte(s)) {
		return json.Number(s)
	}
	return s
}

// CreateOrder reserves a ticket.
func (s *Session) CreateOrder(ctx context.Context, ticketID string) (Order, error) {
	in := struct {
		TicketID string `json:"ticketId"`
	}{ticketID}
	var out Order
	return out, s.do(ctx, "POST", "/api/orders", in, &out)
}

// Orders lists the signed-in user's orders.
func (s *Session) Orders(ctx context.Context) ([]Order, error) {
	var out []Order
	return out, s.do(ctx, "GET", "/api/orders", nil, &out)
}

// Order returns one of the signed-in user's orders.
func (s *Session) Order(ctx context.Context, id string) (Order, error) {
	var out Order
	return out, s.do(ctx, "GET", "/api/orders/"+url.PathEscape(id), nil, &out)
}

// Pay pays for an order with a Stripe card token.
func (s *Session) Pay(ctx context.Context, token, orderID string) error {
	in := struct {
		Token   string `json:"token"`
		OrderID string `json:"orderId"`
	}{token, orderID}
	return s.do(ctx, "POST", "/api/payments", in, nil)
}

// Intent is the PaymentIntent of an order (POST /api/payments/intents).
type Intent struct {
	ID           string `json:"id"`
	ClientSecret string `json:"clientSecret"`
}

// Intent returns the PaymentIntent of the order, for Stripe.js to confirm.
func (s *Session) Intent(ctx context.Context, orderID string) (Intent, error) {
	var in Intent
	err := s.do(ctx, "POST", "/api/payments/intents", struct {
		OrderID string `json:"orderId"`
	}{orderID}, &in)
	return in, err
}
