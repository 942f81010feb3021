package events

// SubjectPaymentRefunded is published by payments (SPEC §11).
const SubjectPaymentRefunded Subject = "payment:refunded"

// PaymentRefunded is published by payments once the charge of an order
// that was cancelled (or expired) before or while it was paid has been
// refunded.
type PaymentRefunded struct {
	ID       string `json:"id"` // the payment
	OrderID  string `json:"orderId"`
	StripeID string `json:"stripeId"` // the refunded charge
	RefundID string `json:"refundId"`
}

// Subject implements Event.
func (PaymentRefunded) Subject() Subject { return SubjectPaymentRefunded }
