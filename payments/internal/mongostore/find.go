package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/outbox"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// findOne decodes the document of coll that matches filter, without its
// outbox. None is payment.ErrNotFound, wrapped with what was looked for.
func findOne[D any](ctx context.Context, coll *mongo.Collection, filter bson.D, what string) (D, error) {
	var d D
	err := coll.FindOne(ctx, filter, options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, fmt.Errorf("%s: %w", what, payment.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("find %s: %w", what, err)
	}
	return d, nil
}
