package app

import (
	"context"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/gittix/ticketing/common/bus"

	"github.com/gittix/ticketing/notifications/internal/listener"
	"github.com/gittix/ticketing/notifications/internal/mail"
	"github.com/gittix/ticketing/notifications/internal/mongostore"
	"github.com/gittix/ticketing/notifications/internal/notify"
)

// Parts is the service without its servers and connections: its event
// handlers and its retry worker, on one database. Run serves them; a test
// that delivers events itself may call them directly.
type Parts struct {
	Subscriptions []bus.Subscription
	// RunRetries sends the due emails until ctx is done.
	RunRetries func(ctx context.Context) error
}

// Options are the settings of NewParts.
type Options struct {
	Sender          notify.Sender
	MessageIDDomain string        // right-hand side of the Message-IDs
	SendTimeout     time.Duration // bounds one send; the claim lease follows it
	RetryInterval   time.Duration // how often due emails are looked for
}

// NewParts wires the service on db, creating its indexes.
func NewParts(ctx context.Context, db *mongo.Database, log *slog.Logger, opts Options) (*Parts, error) {
	store, err := mongostore.New(ctx, db)
	if err != nil {
		return nil, err
	}
	composer, err := mail.NewComposer()
	if err != nil {
		return nil, err
	}
	svc := &notify.Service{
		Users: store, Tickets: store, Orders: store, Outbox: store,
		Sender: opts.Sender, Composer: composer, Log: log,
		MessageIDDomain: opts.MessageIDDomain, SendTimeout: opts.SendTimeout, PollInterval: opts.RetryInterval,
	}
	return &Parts{Subscriptions: listener.Subscriptions(svc), RunRetries: svc.RunRetries}, nil
}
