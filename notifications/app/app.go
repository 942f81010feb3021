// Package app wires the notifications service: the replicas of users,
// tickets and orders fed by events, the receipt and expired emails, and the
// worker that retries the emails a send failed or a crash interrupted.
// Its only routes are the probes.
package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/lifecycle"
	"github.com/gittix/ticketing/common/mongodb"
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
	client, db, err := mongodb.Connect(ctx, cfg.MongoURI, "notifications")
	if err != nil {
		return err
	}
	conn, err := bus.Connect(ctx, cfg.Bus, log)
	if err == nil {
		var parts *Parts
		if parts, err = NewParts(ctx, db, log, Options{Sender: sender, MessageIDDomain: mail.Domain(cfg.MailFrom),
			SendTimeout: cfg.SMTP.Timeout, RetryInterval: cfg.RetryInterval}); err == nil {
			log.Info("sending mail", "smtp", cfg.SMTP.Redacted(), "from", cfg.MailFrom)
			return lifecycle.Run(ctx, log, lifecycle.Service{
				Addr:    cfg.Addr,
				Handler: web.NewRouter(log, map[string]web.Check{"mongodb": mongodb.Ping(db), "nats": conn.Ping}),
				Workers: []func(context.Context) error{parts.RunRetries}, Bus: conn,
				Listen: bus.ListenerConfig{QueueGroup: QueueGroup}, Listeners: parts.Subscriptions,
				Close: []func(context.Context) error{client.Disconnect},
			})
		}
		conn.Close()
	}
	client.Disconnect(context.Background())
	return err
}
