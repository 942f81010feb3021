package httpapi_test

import (
	stdcmp "cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/web"

	"github.com/gittix/ticketing/payments/internal/httpapi"
	"github.com/gittix/ticketing/payments/internal/payment"
	"github.com/gittix/ticketing/payments/internal/payment/paymenttest"
)

var key = []byte("payments-unit-key")

type errorBody struct {
	Errors []web.FieldError `json:"errors"`
}

// TestCreateAnswers checks each answer of POST /api/payments, on fakes.
func TestCreateAnswers(t *testing.T) {
	t.Parallel()
	owner := &auth.User{ID: "u1", Email: "u1@test.com"}
	tests := []struct {
		name       string
		user       *auth.User
		body       func(orderID string) string
		status     events.OrderStatus
		paid       bool
		pending    bool
		expired    bool
		chargeErr  error
		wantStatus int
		wantErrors []web.FieldError // nil: not checked
	}{
		{name: "signed out", body: validBody, wantStatus: 401, wantErrors: []web.FieldError{{Message: "Not authorized"}}},
		{name: "empty body", user: owner, body: func(string) string { return `{}` }, wantStatus: 400, wantErrors: []web.FieldError{
			{Field: "token", Message: "Token must be provided"}, {Field: "orderId", Message: "OrderId must be provided"}}},
		{name: "blank token", user: owner, body: func(id string) string { return `{"token":"  ","orderId":"` + id + `"}` }, wantStatus: 400,
			wantErrors: []web.FieldError{{Field: "token", Message: "Token must be provided"}}},
		{name: "bad order id", user: owner, body: func(string) string { return `{"token":"tok_visa","orderId":"123"}` }, wantStatus: 400,
			wantErrors: []web.FieldError{{Field: "orderId", Message: "OrderId must be provided"}}},
		{name: "wrong types", user: owner, body: func(string) string { return `{"token":5,"orderId":[]}` }, wantStatus: 400},
		{name: "malformed JSON", user: owner, body: func(string) string { return `{"token":` }, wantStatus: 400},
		{name: "unknown order", user: owner, body: func(string) string { return `{"token":"tok_visa","orderId":"` + bson.NewObjectID().Hex() + `"}` },
			wantStatus: 404, wantErrors: []web.FieldError{{Message: "Not Found"}}},
		{name: "someone else's order", user: &auth.User{ID: "u2"}, body: validBody, wantStatus: 401, wantErrors: []web.FieldError{{Message: "Not authorized"}}},
		{name: "expired order, not yet cancelled", user: owner, body: validBody, expired: true, wantStatus: 400,
			wantErrors: []web.FieldError{{Message: "Order has expired"}}},
		{name: "cancelled order", user: owner, body: validBody, status: events.StatusCancelled, wantStatus: 400,
			wantErrors: []web.FieldError{{Message: "Cannot pay for a cancelled order"}}},
		{name: "paid order", user: owner, body: validBody, paid: true, wantStatus: 400, wantErrors: []web.FieldError{{Message: "Order is already paid"}}},
		{name: "payment in progress", user: owner, body: validBody, pending: true, wantStatus: 409, wantErrors: []web.FieldError{{Message: "Payment already in progress"}}},
		{name: "declined", user: owner, body: validBody, chargeErr: &payment.DeclinedError{Message: "Your card was declined."}, wantStatus: 402,
			wantErrors: []web.FieldError{{Message: "Your card was declined."}}},
		{name: "rejected token", user: owner, body: validBody, chargeErr: &payment.RejectedError{Message: "No such token: 'tok_visa'"}, wantStatus: 400,
			wantErrors: []web.FieldError{{Field: "token", Message: "No such token: 'tok_visa'"}}},
		{name: "stripe unreachable", user: owner, body: validBody, chargeErr: payment.ErrProcessorDown, wantStatus: 502,
			wantErrors: []web.FieldError{{Message: "Payment provider unavailable, try again"}}},
		{name: "paid", user: owner, body: validBody, wantStatus: 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orders, payments := &paymenttest.Orders{}, &paymenttest.Payments{}
			o := payment.Order{ID: bson.NewObjectID(), UserID: "u1", Price: 20, Status: stdcmp.Or(tc.status, events.StatusCreated)}
			if tc.expired {
				o.ExpiresAt = time.Now().Add(-time.Second)
			}
			orders.Create(context.Background(), o)
			if tc.paid || tc.pending {
				p := payment.Payment{ID: bson.NewObjectID(), OrderID: o.ID, State: payment.StatePending, ClaimedAt: time.Now()}
				if tc.paid {
					p.State, p.StripeID = payment.StateComplete, "ch_1"
				}
				payments.Put(p)
			}
			svc := &payment.Service{Orders: orders, Payments: payments, Charger: &paymenttest.Charger{Err: tc.chargeErr}}
			h := httpapi.New(svc, slog.New(slog.DiscardHandler), auth.Verifier{Key: key}, nil, "").Routes()

			rec := authtest.ServeType(t, h, key, tc.user, http.MethodPost, "/api/payments", "application/json", tc.body(o.ID.Hex()))
			if got := rec.Code; got != tc.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", got, tc.wantStatus, rec.Body)
			}
			if tc.wantStatus == 201 {
				var got struct{ ID string }
				json.Unmarshal(rec.Body.Bytes(), &got)
				p, _ := payments.ByOrder(context.Background(), o.ID)
				if got.ID != p.ID.Hex() || got.ID == "" {
					t.Errorf("id = %q, want the stored payment's %q", got.ID, p.ID.Hex())
				}
				return
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) == 0 {
				t.Fatalf("body %s is not the error shape (%v)", rec.Body, err)
			}
			if tc.wantErrors != nil {
				if diff := cmp.Diff(tc.wantErrors, body.Errors); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func validBody(orderID string) string { return `{"token":"tok_visa","orderId":"` + orderID + `"}` }

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	h := httpapi.New(&payment.Service{}, slog.New(slog.DiscardHandler), auth.Verifier{Key: key}, nil, "").Routes()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/api/payments/nope", 404},
		{http.MethodGet, "/api/payments", 405},
		{http.MethodGet, "/healthz", 200},
	} {
		rec := authtest.Serve(t, h, key, nil, tc.method, tc.path, "")
		if rec.Code != tc.want {
			t.Errorf("%s %s = %d, want %d; body %s", tc.method, tc.path, rec.Code, tc.want, rec.Body)
		}
	}
}
