package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gittix/ticketing/notifications/internal/notify"
)

// SMTPConfig is where and how mail is sent, read from SMTP_URL:
//
//	smtp://[user:password@]host[:port][?tls=mandatory|opportunistic|none][&auth=…]
//	smtps://[user:password@]host[:port][?auth=…]
//
// smtps is TLS from the first byte (port 465 by default). smtp upgrades
// with STARTTLS (port 587 by default) and by default refuses a server that
// does not offer it (tls=mandatory); tls=opportunistic upgrades when
// offered; tls=none never encrypts — for a sink on the same machine only,
// since the password and the mail would cross the network in clear.
// A user in the URL turns on SMTP AUTH; auth= picks the mechanism (plain,
// login, cram-md5, scram-sha-256, …; default: the best the server offers).
// User and password are URL-escaped (%40 for '@').
type SMTPConfig struct {
	Host     string
	Port     int
	SSL      bool // smtps: implicit TLS
	TLS      gomail.TLSPolicy
	Username string
	Password string
	Auth     gomail.SMTPAuthType // empty: no AUTH
	Timeout  time.Duration       // dial and each SMTP command
}

// ParseSMTPURL reads an SMTP_URL.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("SMTP_URL is not a URL")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.SSL, c.Port = true, 465
	default:
		return SMTPConfig{}, fmt.Errorf("SMTP_URL must start with smtp:// or smtps://, got %q", u.Scheme+"://")
	}
	c.Host = u.Hostname()
	if c.Host == "" {
		return SMTPConfig{}, errors.New("SMTP_URL must name a host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("SMTP_URL port must be a port number, got %q", p)
		}
		c.Port = n
	}
	q := u.Query()
	for k := range q {
		if k != "tls" && k != "auth" {
			return SMTPConfig{}, fmt.Errorf("SMTP_URL: unknown parameter %q (tls, auth)", k)
		}
	}
	switch tls := q.Get("tls"); {
	case tls == "" || tls == "mandatory":
		c.TLS = gomail.TLSMandatory
	case tls == "opportunistic":
		c.TLS = gomail.TLSOpportunistic
	case tls == "none":
		c.TLS = gomail.NoTLS
	default:
		return SMTPConfig{}, fmt.Errorf("SMTP_URL tls must be mandatory, opportunistic or none, got %q", tls)
	}
	if c.SSL && q.Has("tls") {
		return SMTPConfig{}, errors.New("SMTP_URL: smtps is always TLS; tls= is for smtp://")
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		c.Auth = gomail.SMTPAuthAutoDiscover
	}
	if a := q.Get("auth"); a != "" {
		if u.User == nil {
			return SMTPConfig{}, errors.New("SMTP_URL: auth= needs a user (smtp://user:pass@host)")
		}
		if err := c.Auth.UnmarshalString(a); err != nil {
			return SMTPConfig{}, fmt.Errorf("SMTP_URL auth: %w", err)
		}
	}
	return c, nil
}

// Redacted returns the settings for a log line, without the password.
func (c SMTPConfig) Redacted() string {
	scheme := "smtp"
	if c.SSL {
		scheme = "smtps"
	}
	user := ""
	if c.Username != "" {
		user = c.Username + ":***@"
	}
	return fmt.Sprintf("%s://%s%s (%s)", scheme, user, net.JoinHostPort(c.Host, strconv.Itoa(c.Port)), c.TLS)
}

// Sender sends mail over SMTP, one connection per mail. It implements
// notify.Sender.
type Sender struct {
	cfg  SMTPConfig
	from string
	log  *slog.Logger
}

var _ notify.Sender = (*Sender)(nil)

// NewSender returns a Sender from the address from (MAIL_FROM, such as
// "GitTix <no-reply@gittix.dev>").
func NewSender(cfg SMTPConfig, from string, log *slog.Logger) (*Sender, error) {
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("MAIL_FROM must be an email address: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &Sender{cfg: cfg, from: from, log: log}, nil
}

// Domain returns the domain of the sender's address, for Message-IDs.
func Domain(from string) string {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return ""
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return domain
}

// Send implements notify.Sender. A 5xx reply of the server, or a recipient
// address that is not one, is permanent (notify.ErrPermanent); anything
// else may pass on a retry.
func (s *Sender) Send(ctx context.Context, m notify.Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("from %q: %w", s.from, err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to %q: %w: %w", m.To, err, notify.ErrPermanent)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)

	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSPolicy(s.cfg.TLS),
	}
	if s.cfg.SSL {
		opts = append(opts, gomail.WithSSLPort(false))
	}
	if s.cfg.Auth != "" {
		opts = append(opts, gomail.WithSMTPAuth(s.cfg.Auth),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	client, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("smtp dial %s: %w", net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)), err)
	}
	err = client.SendWithSMTPClient(conn, msg)
	// Once the server has accepted the data the mail is sent: a failed
	// QUIT must not make it count as failed (and be sent again).
	if cerr := client.CloseWithSMTPClient(conn); cerr != nil && err == nil {
		s.log.Debug("smtp close after a sent mail", "err", cerr)
	}
	if err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return fmt.Errorf("smtp send: %w: %w", err, notify.ErrPermanent)
		}
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}
