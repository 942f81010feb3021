package events

import "time"

// OrderCreated is published by orders when a ticket is reserved.
type OrderCreated struct {
	ID        string      `json:"id"`
	Version   int64       `json:"version"`
	Status    OrderStatus `json:"status"`
	UserID    string      `json:"userId"`
	ExpiresAt time.Time   `json:"expiresAt"` // RFC 3339
	Ticket    OrderTicket `json:"ticket"`
}

// OrderTicket is the ticket part of OrderCreated.
type OrderTicket struct {
	ID    string  `json:"id"`
	Price float64 `json:"price"` // dollars
}

// Subject implements Event.
func (OrderCreated) Subject() Subject { return SubjectOrderCreated }

// OrderCancelled is published by orders when an order is cancelled or expires.
type OrderCancelled struct {
	ID      string    `json:"id"`
	Version int64     `json:"version"`
	Ticket  TicketRef `json:"ticket"`
}

// TicketRef names a ticket.
type TicketRef struct {
	ID string `json:"id"`
}

// Subject implements Event.
func (OrderCancelled) Subject() Subject { return SubjectOrderCancelled }
