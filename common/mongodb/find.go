package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// FindOne decodes the document of coll that matches filter into a D, read
// with opts (a projection, say). No such document is notFound, as it is;
// another failure is wrapped as "find what".
func FindOne[D any](ctx context.Context, coll *mongo.Collection, filter any, what string, notFound error, opts ...options.Lister[options.FindOneOptions]) (D, error) {
	var d D
	err := coll.FindOne(ctx, filter, opts...).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, notFound
	}
	if err != nil {
		return d, fmt.Errorf("find %s: %w", what, err)
	}
	return d, nil
}
