package web

import (
	"net/http"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ObjectID parses a 24-hex-digit id, answering 400 when it is not one.
// field names the JSON field it came from, or is empty for a path parameter.
func ObjectID(s, field, msg string) (bson.ObjectID, error) {
	id, err := bson.ObjectIDFromHex(s)
	if err != nil {
		return bson.ObjectID{}, &Error{Status: http.StatusBadRequest, Errors: []FieldError{{Message: msg, Field: field}}}
	}
	return id, nil
}
