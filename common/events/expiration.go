package events

// ExpirationComplete is published by expiration when an order's payment
// window has passed.
type ExpirationComplete struct {
	OrderID string `json:"orderId"`
}

// Subject implements Event.
func (ExpirationComplete) Subject() Subject { return SubjectExpirationComplete }
