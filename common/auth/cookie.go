package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// CookieConfig describes the session cookie.
type CookieConfig struct {
	Name   string // default "session"
	Secure bool   // on in production, off for plain-HTTP development
}

func (c CookieConfig) name() string {
	if c.Name == "" {
		return "session"
	}
	return c.Name
}

type cookieBody struct {
	JWT string `json:"jwt"`
}

// EncodeCookie returns the cookie value that carries token: base64 of
// {"jwt":"<token>"}, the format of the original's cookie-session.
func EncodeCookie(token string) string {
	b, _ := json.Marshal(cookieBody{JWT: token}) // a struct of one string cannot fail
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeCookie returns the token carried by a cookie value.
func DecodeCookie(value string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		if raw, err = base64.RawURLEncoding.DecodeString(value); err != nil {
			return "", errors.New("session cookie is not base64")
		}
	}
	var b cookieBody
	if err := json.Unmarshal(raw, &b); err != nil || b.JWT == "" {
		return "", errors.New("session cookie holds no token")
	}
	return b.JWT, nil
}

// SetSession sets the session cookie carrying token.
func (c CookieConfig) SetSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(), Value: EncodeCookie(token), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Secure,
	})
}

// ClearSession expires the session cookie.
func (c CookieConfig) ClearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: c.name(), Value: "", Path: "/", MaxAge: -1, Expires: time.Unix(0, 0),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Secure,
	})
}
