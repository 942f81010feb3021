package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gittix/ticketing/common/web"
	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// ticketRequest is the body of POST and PUT. Both fields are kept raw, so
// that a value of the wrong JSON type is reported on its field (400), not
// as an undecodable body.
type ticketRequest struct {
	Title json.RawMessage `json:"title"`
	Price json.RawMessage `json:"price"`
}

// Validation messages (SPEC §5).
const (
	msgTitleRequired = "Title is required"
	msgTitleString   = "Title must be a string"
	msgTitleTooLong  = "Title must be at most 200 characters"
	msgPriceInvalid  = "Price must be greater than 0"
	msgPriceTooHigh  = "Price must be at most 1000000"
)

// decodeTicket reads the body of POST and PUT: the trimmed title and the
// price in cents, or a 4xx in the error shape.
func decodeTicket(r *http.Request) (string, ticket.Cents, error) {
	var req ticketRequest
	if err := web.Decode(r, &req); err != nil {
		return "", 0, err
	}
	return req.validate()
}

// validate returns the trimmed title and the price in cents, or a 400 with
// one entry per failing field.
func (req ticketRequest) validate() (string, ticket.Cents, error) {
	var errs []web.FieldError
	title, err := parseTitle(req.Title)
	if err != nil {
		errs = append(errs, web.FieldError{Field: "title", Message: err.Error()})
	}
	price, err := parsePrice(req.Price)
	if err != nil {
		errs = append(errs, web.FieldError{Field: "price", Message: err.Error()})
	}
	return title, price, web.Validation(errs...)
}

func parseTitle(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", errors.New(msgTitleRequired)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New(msgTitleString)
	}
	title, err := ticket.ParseTitle(s)
	switch {
	case errors.Is(err, ticket.ErrTitleTooLong):
		return "", errors.New(msgTitleTooLong)
	case err != nil:
		return "", errors.New(msgTitleRequired)
	}
	return title, nil
}

// parsePrice accepts a JSON number or a string holding one, as the
// original did.
func parsePrice(raw json.RawMessage) (ticket.Cents, error) {
	var s string
	switch {
	case isNull(raw):
		return 0, errors.New(msgPriceInvalid)
	case raw[0] == '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, errors.New(msgPriceInvalid)
		}
	case raw[0] == '-' || ('0' <= raw[0] && raw[0] <= '9'):
		s = string(raw)
	default: // true, false, an object or a list
		return 0, errors.New(msgPriceInvalid)
	}
	price, err := ticket.ParsePrice(s)
	switch {
	case errors.Is(err, ticket.ErrPriceTooHigh):
		return 0, errors.New(msgPriceTooHigh)
	case err != nil:
		return 0, errors.New(msgPriceInvalid)
	}
	return price, nil
}

// isNull reports whether a field was missing or null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
