package httpapi

import (
	"net/http"
)

// cancel handles DELETE /api/orders/{id}: it cancels the order, which frees
// its ticket and publishes order:cancelled. Cancelling a cancelled order is
// a no-op 204; a complete order cannot be cancelled.
func (s *Server) cancel(w http.ResponseWriter, r *http.Request) error {
	o, err := s.callersOrder(r)
	if err != nil {
		return err
	}
	if _, err := s.svc.Cancel(r.Context(), o); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
