// Package listener turns the events the service hears into calls of
// notify.Service. An event naming an id that cannot exist is dropped
// (bus.ErrDrop); an event whose replica is not here yet returns an error
// and comes again, until the bus parks it after its last delivery.
package listener

import (
	"context"
	"fmt"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/notifications/internal/notify"
)

func checkID(kind, id string) error {
	if !notify.ValidID(id) {
		return fmt.Errorf("%s id %q: %w", kind, id, bus.ErrDrop)
	}
	return nil
}

// UserCreated keeps the user's email.
func UserCreated(svc *notify.Service) bus.Handler[events.UserCreated] {
	return func(ctx context.Context, e events.UserCreated) error {
		if err := checkID("user", e.ID); err != nil {
			return err
		}
		return svc.UserCreated(ctx, notify.User{ID: e.ID, Email: e.Email, Version: e.Version})
	}
}

// TicketCreated keeps the ticket's title and price.
func TicketCreated(svc *notify.Service) bus.Handler[events.TicketCreated] {
	return func(ctx context.Context, e events.TicketCreated) error {
		if err := checkID("ticket", e.ID); err != nil {
			return err
		}
		return svc.TicketChanged(ctx, notify.Ticket{ID: e.ID, Title: e.Title, Price: e.Price, Version: e.Version})
	}
}

// TicketUpdated keeps the newest title and price.
func TicketUpdated(svc *notify.Service) bus.Handler[events.TicketUpdated] {
	return func(ctx context.Context, e events.TicketUpdated) error {
		if err := checkID("ticket", e.ID); err != nil {
			return err
		}
		return svc.TicketChanged(ctx, notify.Ticket{ID: e.ID, Title: e.Title, Price: e.Price, Version: e.Version})
	}
}

// OrderCreated keeps the order.
func OrderCreated(svc *notify.Service) bus.Handler[events.OrderCreated] {
	return func(ctx context.Context, e events.OrderCreated) error {
		for _, c := range []struct{ kind, id string }{{"order", e.ID}, {"user", e.UserID}, {"ticket", e.Ticket.ID}} {
			if err := checkID(c.kind, c.id); err != nil {
				return err
			}
		}
		return svc.OrderCreated(ctx, notify.Order{
			ID: e.ID, Version: e.Version, UserID: e.UserID, TicketID: e.Ticket.ID, Price: e.Ticket.Price, ExpiresAt: e.ExpiresAt.UTC(),
		})
	}
}

// OrderCancelled records the cancellation; an expired, unpaid order's buyer
// is told.
func OrderCancelled(svc *notify.Service) bus.Handler[events.OrderCancelled] {
	return func(ctx context.Context, e events.OrderCancelled) error {
		if err := checkID("order", e.ID); err != nil {
			return err
		}
		return svc.OrderCancelled(ctx, e.ID, e.Version)
	}
}

// PaymentCreated sends the buyer the receipt.
func PaymentCreated(svc *notify.Service) bus.Handler[events.PaymentCreated] {
	return func(ctx context.Context, e events.PaymentCreated) error {
		if err := checkID("order", e.OrderID); err != nil {
			return err
		}
		return svc.PaymentCreated(ctx, e.OrderID)
	}
}

// Subscriptions are every listener of the service.
func Subscriptions(svc *notify.Service) []bus.Subscription {
	return []bus.Subscription{
		bus.On(UserCreated(svc)),
		bus.On(TicketCreated(svc)),
		bus.On(TicketUpdated(svc)),
		bus.On(OrderCreated(svc)),
		bus.On(OrderCancelled(svc)),
		bus.On(PaymentCreated(svc)),
	}
}
