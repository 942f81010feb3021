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

// create handles POST /api/orders {ticketId}: it reserves the ticket.
func (s *Server) create(w http.ResponseWriter, r *http.Request) error {
	var req createRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	hex, _ := req.TicketID.(string)
	ticketID, err := bson.ObjectIDFromHex(hex)
	if err != nil {
		return web.Validation(web.FieldError{Field: "ticketId", Message: "TicketId must be provided"})
	}
	u, _ := auth.UserFrom(r.Context()) // RequireAuth guarantees a user
	o, err := s.svc.Place(r.Context(), u.ID, ticketID)
	if err != nil {
		return err
	}
	return web.Respond(w, http.StatusCreated, toJSON(o))
}
