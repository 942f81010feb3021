package ferret_test

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/infra/devstack/internal/ferret"
)

// TestIndexIDPath checks that a collection's lookups by _id use the index
// IndexIDPath adds: the query FerretDB sends to SQLite (backends/sqlite
// collection.go, v1.24.2) searches it instead of scanning the table.
func TestIndexIDPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv, err := ferret.Start(dir, 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	ctx := t.Context()
	coll := client.Database("shop").Collection("tickets")
	id := bson.NewObjectID()
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: 0}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, db, coll string
		want           bool
	}{
		{"collection", "shop", "tickets", true},
		{"again", "shop", "tickets", true},
		{"unknown collection", "shop", "orders", false},
		{"unknown database", "nowhere", "tickets", false},
	}
	for _, tc := range tests {
		got, err := srv.IndexIDPath(tc.db, tc.coll)
		if err != nil || got != tc.want {
			t.Errorf("%s: IndexIDPath(%q, %q) = %v, %v; want %v", tc.name, tc.db, tc.coll, got, err, tc.want)
		}
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "shop.sqlite")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'tickets'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	var a, b, c int
	var plan string
	q := `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "` + table + `" WHERE _ferretdb_sjson->'$._id' = ?`
	if err := db.QueryRow(q, "x").Scan(&a, &b, &c, &plan); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "USING INDEX") {
		t.Errorf("query plan of a lookup by _id = %q, want an index search", plan)
	}

	// FerretDB still reads and updates the collection.
	res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
	if err != nil || res.ModifiedCount != 1 {
		t.Fatalf("UpdateOne = %+v, %v; want 1 modified", res, err)
	}
	var got struct{ Version int }
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&got); err != nil || got.Version != 1 {
		t.Fatalf("FindOne = %+v, %v; want version 1", got, err)
	}
}
