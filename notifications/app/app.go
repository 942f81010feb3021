// Package app wires the notifications service: the replicas of users,
// tickets and orders fed by events, the receipt and expired emails, and the
// worker that retries the emails a send failed or a crash interrupted.
// Its only routes are the probes.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/notifications/internal/config"
	"github.com/gittix/ticketing/notifications/internal/mail"
)

// QueueGroup is the listeners' queue group and durable name. Renaming it
// replays every channel from the start.
const QueueGroup = "notifications-service"

// Run runs the service until ctx is done (then shuts down gracefully) or
// it cannot go on (then returns why).
func Run(ctx context.Context, log *slog.Logger, getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	sender, err := mail.NewSender(cfg.SMTP, cfg.MailFrom, log)
	if err != nil {
		return err
	}
	log.Info("sending mail", "smtp", cfg.SMTP.Redacted(), "from", cfg.MailFrom)
	return lifecycle.RunMongo(ctx, log, lifecycle.MongoService{
		Name: "notifications", MongoURI: cfg.MongoURI, Bus: cfg.Bus, QueueGroup: QueueGroup, Addr: cfg.Addr,
		Build: func(ctx context.Context, o lifecycle.Opened) (lifecycle.Parts, error) {
			parts, err := NewParts(ctx, o.DB, log, Options{Sender: sender, MessageIDDomain: mail.Domain(cfg.MailFrom),
				SendTimeout: cfg.SMTP.Timeout, RetryInterval: cfg.RetryInterval})
			if err != nil {
				return lifecycle.Parts{}, err
			}
			return lifecycle.Parts{API: web.NewRouter(log, o.Checks), Listeners: parts.Subscriptions,
				Workers: []func(context.Context) error{parts.RunRetries}}, nil
		},
	})
}
