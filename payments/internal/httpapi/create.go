package httpapi

import (
	"net/http"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

type createRequest struct {
	// any, so that a wrong JSON type gets the field's own message.
	Token   any `json:"token"`
	OrderID any `json:"orderId"`
}

type createResponse struct {
	ID string `json:"id"`
}

// decodeCreate reads the body of POST /api/payments: the card token and
// the order id, or a 4xx.
func decodeCreate(r *http.Request) (string, bson.ObjectID, error) {
	var req createRequest
	if err := web.Decode(r, &req); err != nil {
		return "", bson.ObjectID{}, err
	}
	var errs []web.FieldError
	token, _ := req.Token.(string)
	if strings.TrimSpace(token) == "" {
		errs = append(errs, web.FieldError{Field: "token", Message: "Token must be provided"})
	}
	hex, _ := req.OrderID.(string)
	orderID, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		errs = append(errs, web.FieldError{Field: "orderId", Message: "OrderId must be provided"})
	}
	if err := web.Validation(errs...); err != nil {
		return "", bson.ObjectID{}, err
	}
	return token, orderID, nil
}

// create handles POST /api/payments {token, orderId}: it charges the order.
func (s *Server) create(w http.ResponseWriter, r *http.Request) error {
	token, orderID, err := decodeCreate(r)
	if err != nil {
		return err
	}
	u, _ := auth.UserFrom(r.Context()) // RequireAuth guarantees a user
	p, err := s.svc.Pay(r.Context(), u.ID, orderID, token)
	if err != nil {
		return err
	}
	return web.Respond(w, http.StatusCreated, createResponse{ID: p.ID.Hex()})
}
