// Package config loads the notifications service's settings from the
// environment. It is the only code of the service that reads env vars.
package config

import (
	"fmt"
	netmail "net/mail"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/env"

	"github.com/gittix/ticketing/notifications/internal/mail"
)

// Config is the service's configuration.
type Config struct {
	Addr     string // HOST:PORT of the probes; PORT default 3000
	MongoURI string
	Bus      bus.Config

	SMTP          mail.SMTPConfig // SMTP_URL, SMTP_TIMEOUT (default 15s)
	MailFrom      string          // MAIL_FROM, e.g. "GitTix <no-reply@gittix.dev>"
	RetryInterval time.Duration   // MAIL_RETRY_INTERVAL: how often due mails are looked for (default 2s)
}

// Load reads the configuration with getenv. Every missing or invalid
// variable is reported at once, by name.
func Load(getenv func(string) string) (Config, error) {
	r := env.NewReader(getenv)
	cfg := Config{
		Addr:          r.Addr("3000"),
		MongoURI:      r.Required("MONGO_URI"),
		Bus:           bus.ConfigFrom(r, "notifications"),
		MailFrom:      r.Required("MAIL_FROM"),
		RetryInterval: r.Duration("MAIL_RETRY_INTERVAL", 2*time.Second),
	}
	if raw := r.Required("SMTP_URL"); raw != "" {
		c, err := mail.ParseSMTPURL(raw)
		if err != nil {
			r.Fail(err) // the message never repeats the URL: it may hold a password
		}
		cfg.SMTP = c
	}
	cfg.SMTP.Timeout = r.Duration("SMTP_TIMEOUT", 15*time.Second)
	if cfg.MailFrom != "" {
		if _, err := netmail.ParseAddress(cfg.MailFrom); err != nil {
			r.Fail(fmt.Errorf("MAIL_FROM must be an email address such as \"GitTix <no-reply@gittix.dev>\", got %q", cfg.MailFrom))
		}
	}
	return cfg, r.Err()
}
