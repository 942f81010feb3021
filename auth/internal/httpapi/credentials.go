package httpapi

import (
	"net/http"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/common/web"
)

// credentials is the body of sign-up and sign-in.
type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// decodeSignUp reads the body of POST /api/users/signup: a valid email and
// a password of 4 to 20 characters once trimmed, else a 4xx.
func decodeSignUp(r *http.Request) (credentials, error) {
	var c credentials
	if err := web.Decode(r, &c); err != nil {
		return credentials{}, err
	}
	var errs []web.FieldError
	if !user.ValidEmail(c.Email) {
		errs = append(errs, web.FieldError{Field: "email", Message: "Email must be valid"})
	}
	if !user.ValidPassword(user.NormalizePassword(c.Password)) {
		errs = append(errs, web.FieldError{Field: "password", Message: "Password must be between 4 and 20 characters"})
	}
	if err := web.Validation(errs...); err != nil {
		return credentials{}, err
	}
	return c, nil
}

// decodeSignIn reads the body of POST /api/users/signin: a valid email and
// a password that is not blank, else a 4xx.
func decodeSignIn(r *http.Request) (credentials, error) {
	var c credentials
	if err := web.Decode(r, &c); err != nil {
		return credentials{}, err
	}
	var errs []web.FieldError
	if !user.ValidEmail(c.Email) {
		errs = append(errs, web.FieldError{Field: "email", Message: "Email must be valid"})
	}
	if user.NormalizePassword(c.Password) == "" {
		errs = append(errs, web.FieldError{Field: "password", Message: "You must supply a password"})
	}
	if err := web.Validation(errs...); err != nil {
		return credentials{}, err
	}
	return c, nil
}
