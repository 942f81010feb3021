package events

// TicketCreated is published by tickets when a ticket is put on sale.
type TicketCreated struct {
	ID      string  `json:"id"`
	Version int64   `json:"version"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"` // dollars
	UserID  string  `json:"userId"`
}

// Subject implements Event.
func (TicketCreated) Subject() Subject { return SubjectTicketCreated }

// TicketUpdated is published by tickets on every change of a ticket,
// including the reservation lock (OrderID set while reserved).
type TicketUpdated struct {
	ID      string  `json:"id"`
	Version int64   `json:"version"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"` // dollars
	UserID  string  `json:"userId"`
	OrderID string  `json:"orderId,omitempty"`
}

// Subject implements Event.
func (TicketUpdated) Subject() Subject { return SubjectTicketUpdated }
