// Package listener keeps the replica of orders from orders' events, one
// file per subject.
package listener

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// OrderCreated inserts the replica of a new order. An order already in the
// replica (a redelivery) is acked.
func OrderCreated(orders payment.Orders) bus.Handler[events.OrderCreated] {
	return func(ctx context.Context, e events.OrderCreated) error {
		id, err := bson.ObjectIDFromHex(e.ID)
		if err != nil {
			return fmt.Errorf("order:created with a bad id %q: %w", e.ID, bus.ErrDrop)
		}
		o := payment.Order{ID: id, Version: e.Version, UserID: e.UserID, Price: e.Ticket.Price, Status: e.Status, ExpiresAt: e.ExpiresAt}
		if err := orders.Create(ctx, o); err != nil && !errors.Is(err, payment.ErrDuplicate) {
			return err
		}
		return nil
	}
}
