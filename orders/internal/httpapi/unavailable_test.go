package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/orders/internal/httpapi"
	"github.com/gittix/ticketing/orders/internal/mongostore"
	"github.com/gittix/ticketing/orders/internal/order"
)

// TestStoreUnavailable: a MongoDB that cannot be reached is a 503, not a 500.
func TestStoreUnavailable(t *testing.T) {
	t.Parallel()
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1").
		SetServerSelectionTimeout(100 * time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	key := []byte("k")
	svc := &order.Service{Tickets: mongostore.NewTickets(client.Database("orders")), Window: time.Minute}
	h := httpapi.New(svc, slog.New(slog.DiscardHandler), auth.Verifier{Key: key}, nil).Routes()

	rec := authtest.Serve(t, h, key, &auth.User{ID: "u1"}, http.MethodPost, "/api/orders", `{"ticketId":"`+bson.NewObjectID().Hex()+`"}`)
	if got, want := rec.Code, http.StatusServiceUnavailable; got != want {
		t.Errorf("status = %d, want %d; body %s", got, want, rec.Body)
	}
}
