package httpapi

import (
	"net/http"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/web"
)

type createRequest struct {
	// any, so that a wrong JSON type gets the same message as a bad id.
	TicketID any `json:"ticketId"`
}

// decodeCreate reads the body of POST /api/orders: the ticket id, or a 4xx.
func decodeCreate(r *http.Request) (bson.ObjectID, error) {
	var req createRequest
	if err := web.Decode(r, &req); err != nil {
		return bson.ObjectID{}, err
	}
	hex, _ := req.TicketID.(string)
	ticketID, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		return bson.ObjectID{}, web.Validation(web.FieldError{Field: "ticketId", Message: "TicketId must be provided"})
	}
	return ticketID, nil
}

// create handles POST /api/orders {ticketId}: it reserves the ticket.
func (s *Server) create(w http.ResponseWriter, r *http.Request) error {
	ticketID, err := decodeCreate(r)
	if err != nil {
		return err
	}
	u, _ := auth.UserFrom(r.Context()) // RequireAuth guarantees a user
	o, err := s.svc.Place(r.Context(), u.ID, ticketID)
	if err != nil {
		return err
	}
	return web.Respond(w, http.StatusCreated, toJSON(o))
}
