package events

// PaymentCreated is published by payments once an order is charged.
type PaymentCreated struct {
	ID       string `json:"id"`
	OrderID  string `json:"orderId"`
	StripeID string `json:"stripeId"`
}

// Subject implements Event.
func (PaymentCreated) Subject() Subject { return SubjectPaymentCreated }
