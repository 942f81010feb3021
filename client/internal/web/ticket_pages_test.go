package web

import (
	"regexp"
	"testing"
)

func TestPurchase(t *testing.T) {
	t.Parallel()
	h, x := newSeeded(t, Options{})
	rec := h.post(t, "/tickets/"+x.free+"/purchase", cookieFor(x.alice), nil)
	wantStatus(t, rec, 303)
	loc := rec.Header().Get("Location")
	if !regexp.MustCompile(`^/orders/[0-9a-f]{24}$`).MatchString(loc) {
		t.Fatalf("Location = %q, want /orders/{orderId}", loc)
	}
	// The ticket is now reserved: a second purchase shows the API's reason.
	rec = h.post(t, "/tickets/"+x.free+"/purchase", cookieFor(x.bob), nil)
	wantStatus(t, rec, 400)
	wantBody(t, rec.Body.String(), []string{`<h1 id="ticket-title">Concert</h1>`, "<li>Ticket is already reserved</li>"}, nil)
}
