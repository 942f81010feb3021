package events

// OrderStatus is the state of an order. The strings are part of the wire
// contract and of the HTTP API.
type OrderStatus string

const (
	// StatusCreated: the order exists and its ticket is reserved.
	StatusCreated OrderStatus = "created"
	// StatusCancelled: the user cancelled, or the order expired; the ticket is free.
	StatusCancelled OrderStatus = "cancelled"
	// StatusAwaitingPayment: kept for compatibility with the original system.
	StatusAwaitingPayment OrderStatus = "awaiting:payment"
	// StatusComplete: the order is paid.
	StatusComplete OrderStatus = "complete"
)

// Reserves reports whether an order in status s holds its ticket.
func (s OrderStatus) Reserves() bool {
	return s == StatusCreated || s == StatusAwaitingPayment || s == StatusComplete
}
