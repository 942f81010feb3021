//go:build integration

package e2e_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// sentMail is a message of the dev mail sink (GET /dev/mail/api/messages).
type sentMail struct {
	To, Subject, MessageID, Text, HTML string
}

// mailTo returns the sink's messages to email.
func mailTo(t *testing.T, base, email string) []sentMail {
	t.Helper()
	res, err := http.Get(base + "/dev/mail/api/messages")
	if err != nil {
		t.Fatalf("read the mail sink: %v", err)
	}
	defer res.Body.Close()
	var all []sentMail
	if err := json.NewDecoder(res.Body).Decode(&all); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("mail sink: %d, %v", res.StatusCode, err)
	}
	return slices.DeleteFunc(all, func(m sentMail) bool { return !strings.Contains(m.To, email) })
}

// TestEmails runs the notifications service in the app, as make dev does:
// sign-up (auth's user:created gives it the buyer's email), sell, buy and
// pay → one receipt naming the ticket, its price and the order; an order
// left to expire → one "reservation expired" email. Read from the dev mail
// sink, as a developer reads them at /dev/mail/.
func TestEmails(t *testing.T) {
	t.Parallel()
	base := startApp(t, map[string]string{"EXPIRATION_WINDOW_SECONDS": "4"})
	seller, buyer := newUser(t, base), newUser(t, base)

	var paid, expiring ticket
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Mail <b>Concert</b>", "price": 42.5}, 201, &paid)
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Left to expire", "price": 7}, 201, &expiring)
	o := placeOrder(t, buyer, paid.ID)
	left := placeOrder(t, buyer, expiring.ID)
	eventually(t, "order payable", func() bool {
		return buyer.do("POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, nil) == http.StatusCreated
	})

	var receipt, expired []sentMail
	eventually(t, "the receipt and the expiry email in the sink", func() bool {
		mails := mailTo(t, base, buyer.email)
		receipt = slices.DeleteFunc(slices.Clone(mails), func(m sentMail) bool { return m.Subject != "Your GitTix receipt" })
		expired = slices.DeleteFunc(slices.Clone(mails), func(m sentMail) bool { return m.Subject != "Your GitTix reservation expired" })
		return len(receipt) > 0 && len(expired) > 0
	})
	if len(receipt) != 1 {
		t.Fatalf("%d receipts, want 1", len(receipt))
	}
	r := receipt[0]
	for _, want := range []string{"Mail <b>Concert</b>", "$42.50", o.ID} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("receipt text lacks %q:\n%s", want, r.Text)
		}
	}
	if !strings.Contains(r.HTML, "Mail &lt;b&gt;Concert&lt;/b&gt;") || strings.Contains(r.HTML, "<b>Concert") {
		t.Errorf("receipt HTML does not escape the title:\n%s", r.HTML)
	}
	if len(expired) != 1 || !strings.Contains(expired[0].Text, left.ID) || strings.Contains(expired[0].Text, o.ID) {
		t.Errorf("expiry emails = %+v, want one about order %s", expired, left.ID)
	}
	if got := mailTo(t, base, seller.email); len(got) != 0 {
		t.Errorf("the seller got %d emails, want none", len(got))
	}
	// The sink's page lists them for the developer.
	res, err := http.Get(base + "/dev/mail")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /dev/mail = %v, %v", res, err)
	}
	res.Body.Close()
}
