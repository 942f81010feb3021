package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/notifications/internal/mail"
	"github.com/gittix/ticketing/notifications/internal/notify"
)

func TestComposeEscapesHTML(t *testing.T) {
	t.Parallel()
	c, err := mail.NewComposer()
	if err != nil {
		t.Fatal(err)
	}
	title := `<script>alert("x")</script> & Rock'n'Roll`
	d := notify.Details{OrderID: "65a1b2c3d4e5f60718293a4b", Email: "b@example.test", TicketTitle: title, Price: 12.5,
		ExpiresAt: time.Date(2026, 12, 1, 12, 15, 0, 0, time.UTC)}
	for _, kind := range []notify.Kind{notify.KindReceipt, notify.KindExpired} {
		subject, text, html, err := c.Compose(kind, d)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if subject == "" || strings.Contains(subject, "<") {
			t.Errorf("%s: subject %q", kind, subject)
		}
		if strings.Contains(html, "<script>") {
			t.Errorf("%s: HTML body carries the title unescaped:\n%s", kind, html)
		}
		if want := "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Rock&#39;n&#39;Roll"; !strings.Contains(html, want) {
			t.Errorf("%s: HTML body lacks the escaped title %q:\n%s", kind, want, html)
		}
		if !strings.Contains(text, title) {
			t.Errorf("%s: text body lacks the title as written:\n%s", kind, text)
		}
		for _, want := range []string{"$12.50", d.OrderID} {
			if !strings.Contains(text, want) || !strings.Contains(html, want) {
				t.Errorf("%s: a body lacks %q", kind, want)
			}
		}
	}
	_, text, _, _ := c.Compose(notify.KindExpired, d)
	if !strings.Contains(text, "1 Dec 2026 12:15 UTC") {
		t.Errorf("expired text lacks the expiry time:\n%s", text)
	}
	if _, _, _, err := c.Compose("refund", d); err == nil {
		t.Error("Compose of an unknown kind: err = nil")
	}
}
