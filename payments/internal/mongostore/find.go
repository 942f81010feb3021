package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/mongodb"
	"github.com/gittix/ticketing/common/outbox"

	"github.com/gittix/ticketing/payments/internal/payment"
)

// findOne decodes the document of coll that matches filter, without its
// outbox. None is payment.ErrNotFound, wrapped with what was looked for.
func findOne[D any](ctx context.Context, coll *mongo.Collection, filter bson.D, what string) (D, error) {
	return mongodb.FindOne[D](ctx, coll, filter, what, fmt.Errorf("%s: %w", what, payment.ErrNotFound),
		options.FindOne().SetProjection(bson.D{{Key: outbox.Field, Value: 0}}))
}
