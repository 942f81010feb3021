package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gittix/ticketing/notifications/internal/mail"
	"github.com/gittix/ticketing/notifications/internal/notify"
	"github.com/gittix/ticketing/notifications/mailsink"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestParseSMTPURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url  string
		want mail.SMTPConfig
	}{
		{"smtp://mail.example.test", mail.SMTPConfig{Host: "mail.example.test", Port: 587, TLS: gomail.TLSMandatory}},
		{"smtps://u%40x:p%3Aw@mail.example.test", mail.SMTPConfig{Host: "mail.example.test", Port: 465, SSL: true,
			TLS: gomail.TLSMandatory, Username: "u@x", Password: "p:w", Auth: gomail.SMTPAuthAutoDiscover}},
		{"smtp://u:p@127.0.0.1:1025?tls=none&auth=plain", mail.SMTPConfig{Host: "127.0.0.1", Port: 1025, TLS: gomail.NoTLS,
			Username: "u", Password: "p", Auth: gomail.SMTPAuthPlain}},
		{"smtp://h:25?tls=opportunistic", mail.SMTPConfig{Host: "h", Port: 25, TLS: gomail.TLSOpportunistic}},
	} {
		got, err := mail.ParseSMTPURL(tc.url)
		if err != nil || got != tc.want {
			t.Errorf("ParseSMTPURL(%q) = %+v, %v; want %+v", tc.url, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"http://h", "smtp://", "smtp://h:0", "smtp://h:x", "smtp://h?tls=maybe", "smtps://h?tls=none",
		"smtp://h?auth=plain", "smtp://u:p@h?auth=magic", "smtp://h?timeout=3s", "::",
	} {
		if _, err := mail.ParseSMTPURL(bad); err == nil {
			t.Errorf("ParseSMTPURL(%q): err = nil", bad)
		}
	}
	c, _ := mail.ParseSMTPURL("smtps://u:s3cr@h")
	if r := c.Redacted(); strings.Contains(r, "s3cr") || !strings.Contains(r, "smtps://u:***@h:465") {
		t.Errorf("Redacted = %q", r)
	}
}

func sinkSender(t *testing.T, rawURL string) (*mailsink.Sink, *mail.Sender) {
	t.Helper()
	sink, err := mailsink.Start("127.0.0.1:0", discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sink.Close() })
	cfg, err := mail.ParseSMTPURL(strings.ReplaceAll(rawURL, "ADDR", sink.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Timeout = 5 * time.Second
	s, err := mail.NewSender(cfg, "GitTix <no-reply@gittix.test>", discard)
	if err != nil {
		t.Fatal(err)
	}
	return sink, s
}

func testMail(to string) notify.Mail {
	return notify.Mail{OrderID: "o1", Kind: notify.KindReceipt, To: to, Subject: "Your GitTix receipt",
		Text: "Price: $12.50 — thanks\n", HTML: "<p>Price: $12.50 &mdash; thanks</p>", MessageID: "o1.receipt@gittix.test"}
}

func TestSenderDeliversToTheSink(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"smtp://ADDR?tls=none", "smtp://user:pw@ADDR?tls=none&auth=plain", "smtp://user:pw@ADDR?tls=none&auth=login"} {
		sink, s := sinkSender(t, url)
		if err := s.Send(context.Background(), testMail("buyer@example.test")); err != nil {
			t.Fatalf("%s: send: %v", url, err)
		}
		msgs := sink.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%s: sink has %d messages", url, len(msgs))
		}
		m := msgs[0]
		if m.MessageID != "<o1.receipt@gittix.test>" || m.Subject != "Your GitTix receipt" ||
			m.EnvelopeTo[0] != "buyer@example.test" || m.EnvelopeFrom != "no-reply@gittix.test" {
			t.Errorf("%s: headers %+v", url, m)
		}
		if !strings.Contains(m.Text, "$12.50 — thanks") || !strings.Contains(m.HTML, "<p>Price: $12.50 &mdash; thanks</p>") {
			t.Errorf("%s: bodies text=%q html=%q", url, m.Text, m.HTML)
		}
	}
}

func TestSenderErrors(t *testing.T) {
	t.Parallel()
	sink, s := sinkSender(t, "smtp://ADDR?tls=none")
	sink.Reject(1)
	err := s.Send(context.Background(), testMail("buyer@example.test"))
	if err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("451: err = %v, want a temporary error", err)
	}
	if err := s.Send(context.Background(), testMail("not an address")); !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("bad recipient: err = %v, want ErrPermanent", err)
	}

	// STARTTLS required but not offered: refused, retried later.
	_, strict := sinkSender(t, "smtp://ADDR")
	if err := strict.Send(context.Background(), testMail("buyer@example.test")); err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("no STARTTLS under tls=mandatory: err = %v, want a temporary error", err)
	}

	// Nobody listening.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	cfg, _ := mail.ParseSMTPURL("smtp://" + addr + "?tls=none")
	cfg.Timeout = time.Second
	down, _ := mail.NewSender(cfg, "no-reply@gittix.test", discard)
	if err := down.Send(context.Background(), testMail("buyer@example.test")); err == nil || errors.Is(err, notify.ErrPermanent) {
		t.Errorf("server down: err = %v, want a temporary error", err)
	}
	if _, err := mail.NewSender(cfg, "nobody", discard); err == nil {
		t.Error("NewSender with a bad MAIL_FROM: err = nil")
	}
	if got := mail.Domain("GitTix <no-reply@gittix.test>"); got != "gittix.test" {
		t.Errorf("Domain = %q", got)
	}
}
