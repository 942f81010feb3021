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
	return decodeCredentials(r, func(password string) string {
		if !user.ValidPassword(password) {
			return "Password must be between 4 and 20 characters"
		}
		return ""
	})
}

// decodeSignIn reads the body of POST /api/users/signin: a valid email and
// a password that is not blank, else a 4xx.
func decodeSignIn(r *http.Request) (credentials, error) {
	return decodeCredentials(r, func(password string) string {
		if password == "" {
			return "You must supply a password"
		}
		return ""
	})
}

// decodeCredentials reads credentials with a valid email and a password
// (trimmed) that check finds no fault with, else a 4xx naming each field.
func decodeCredentials(r *http.Request, check func(password string) (fault string)) (credentials, error) {
	var c credentials
	if err := web.Decode(r, &c); err != nil {
		return credentials{}, err
	}
	var errs []web.FieldError
	if !user.ValidEmail(c.Email) {
		errs = append(errs, web.FieldError{Field: "email", Message: "Email must be valid"})
	}
	if fault := check(user.NormalizePassword(c.Password)); fault != "" {
		errs = append(errs, web.FieldError{Field: "password", Message: fault})
	}
	if err := web.Validation(errs...); err != nil {
		return credentials{}, err
	}
	return c, nil
}
