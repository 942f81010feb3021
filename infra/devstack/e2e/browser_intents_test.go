//go:build integration

package e2e_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPaymentElement pays in Chromium with the Payment Element, on
// make dev's Stripe stand-in (no network): a card that succeeds, one that
// needs 3-D Secure (the bank's dialog, then paid), and a declined one (the
// message beside the form, the order still open).
func TestBrowserPaymentElement(t *testing.T) {
	t.Parallel()
	base := startApp(t, map[string]string{"STRIPE_PUBLISHABLE_KEY": "pk_test_e2e"})
	seller := newUser(t, base)
	p := page{t: t, ctx: newBrowser(t)}
	p.signUp(base, "pe-buyer-"+randHex(4)+"@example.com")

	for _, tc := range []struct{ card, outcome string }{
		{"4242 4242 4242 4242", "paid"},
		{"4000 0025 0000 3155", "paid after 3-D Secure"},
		{"4000 0000 0000 0002", "declined"},
	} {
		var tk ticket
		seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Element " + tc.outcome, "price": 30}, 201, &tk)
		p.purchase(base, tk.ID)
		p.do("enter the card "+tc.card,
			chromedp.WaitVisible(chromedp.CSS("#payment-element input#card-number")),
			chromedp.SendKeys(chromedp.CSS("input#card-number"), tc.card),
			chromedp.Click(chromedp.CSS("button#pay")),
		)
		switch tc.outcome {
		case "paid after 3-D Secure":
			p.do("authenticate",
				chromedp.WaitVisible(chromedp.CSS("dialog#three-d-secure")),
				chromedp.Click(chromedp.CSS("button#three-d-secure-complete")),
			)
			fallthrough
		case "paid":
			p.do("the order is paid", chromedp.WaitVisible(chromedp.CSS("#paid")))
		case "declined":
			p.waitText("#card-errors", "declined", false)
			if got := p.text("#order-status"); strings.Contains(got, "complete") {
				t.Errorf("declined card: %q", got)
			}
		}
	}
}

// purchase opens the ticket's page and purchases it, again until the
// orders service knows the ticket, then waits for the order page.
func (p page) purchase(base, ticketID string) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.do("purchase", chromedp.Navigate(base+"/tickets/"+ticketID), chromedp.WaitVisible(chromedp.CSS("button#purchase")),
			chromedp.Click(chromedp.CSS("button#purchase")), chromedp.WaitVisible(chromedp.CSS("body")))
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
		err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#countdown")))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.fail("purchase", err)
		}
	}
}
