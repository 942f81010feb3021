package mongofront_test

import (
	"context"
	"strconv"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// BenchmarkCompareAndSet measures a compare-and-set update by _id through
// the front on FerretDB, sent one command per document or as statements of
// one bulk write: what a batch saves per document.
func BenchmarkCompareAndSet(b *testing.B) {
	db := setup(b, true)
	ctx := context.Background()
	coll := db.Collection("bench_cas")
	const docs = 1000
	ids := make([]bson.ObjectID, docs)
	for i := range ids {
		ids[i] = bson.NewObjectID()
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: ids[i]}, {Key: "version", Value: int64(0)}, {Key: "title", Value: "a ticket"}}); err != nil {
			b.Fatal(err)
		}
	}
	versions := make([]int64, docs)
	bump := func(i int) mongo.WriteModel {
		m := mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: ids[i]}, {Key: "version", Value: versions[i]}}).
			SetUpdate(bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
		versions[i]++
		return m
	}
	for _, batch := range []int{1, 16, 64} {
		b.Run("batch="+strconv.Itoa(batch), func(b *testing.B) {
			n := 0
			for b.Loop() {
				models := make([]mongo.WriteModel, batch)
				for j := range models {
					models[j] = bump((n + j) % docs)
				}
				n += batch
				res, err := coll.BulkWrite(ctx, models)
				if err != nil {
					b.Fatal(err)
				}
				if res.ModifiedCount != int64(batch) {
					b.Fatalf("modified %d of %d", res.ModifiedCount, batch)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/doc")
		})
	}
}
