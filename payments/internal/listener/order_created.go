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
		id, err := orderID(e.Subject(), e.ID)
		if err != nil {
			return err
		}
		o := payment.Order{ID: id, Version: e.Version, UserID: e.UserID, Price: e.Ticket.Price, Status: e.Status, ExpiresAt: e.ExpiresAt}
		if err := orders.Create(ctx, o); err != nil && !errors.Is(err, payment.ErrDuplicate) {
			return err
		}
		return nil
	}
}

// orderID parses the order id of an event of subject; an id that is none
// drops the event.
func orderID(subject events.Subject, hex string) (bson.ObjectID, error) {
	id, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		return id, fmt.Errorf("%s with a bad id %q: %w", subject, hex, bus.ErrDrop)
	}
	return id, nil
}
