package config_test

import (
	"strings"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gittix/ticketing/notifications/internal/config"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"HOST": "127.0.0.1", "PORT": "3100", "MONGO_URI": "mongodb://127.0.0.1:27017/notifications",
		"NATS_URL": "nats://127.0.0.1:4222", "SMTP_URL": "smtps://u:p@mail.example.test", "MAIL_FROM": "GitTix <no-reply@gittix.test>",
		"SMTP_TIMEOUT": "5s",
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:3100" || !cfg.SMTP.SSL || cfg.SMTP.Port != 465 || cfg.SMTP.Timeout != 5*time.Second ||
		cfg.SMTP.Auth != gomail.SMTPAuthAutoDiscover || cfg.RetryInterval != 2*time.Second ||
		!strings.HasPrefix(cfg.Bus.ClientID, "notifications-") || cfg.Bus.ClusterID != "ticketing" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestLoadNamesEveryProblem(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"SMTP_URL": "http://u:hunt3@mail", "MAIL_FROM": "nobody", "SMTP_TIMEOUT": "soon"}
	_, err := config.Load(func(k string) string { return vars[k] })
	if err == nil {
		t.Fatal("err = nil")
	}
	for _, want := range []string{"MONGO_URI must be set", "NATS_URL must be set", "SMTP_URL must start with smtp:// or smtps://",
		"MAIL_FROM must be an email address", "SMTP_TIMEOUT must be a positive Go duration"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "hunt3") {
		t.Errorf("err shows the SMTP password: %q", err)
	}
	_, err = config.Load(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "SMTP_URL must be set") || !strings.Contains(err.Error(), "MAIL_FROM must be set") {
		t.Errorf("err = %v", err)
	}
}
