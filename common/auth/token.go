// Package auth issues and verifies the session of SPEC §3: an HS256 JWT
// carried in a cookie whose value is base64 of {"jwt":"<token>"}. Every API
// service verifies the session itself.
package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// User is the signed-in user, as carried by the token.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// Claims is the token's payload: {id, email, iat, exp, iss, aud}.
type Claims struct {
	User
	IssuedAt  int64            `json:"iat"`
	ExpiresAt int64            `json:"exp"`
	NotBefore int64            `json:"nbf,omitempty"`
	Issuer    string           `json:"iss,omitempty"`
	Audience  jwt.ClaimStrings `json:"aud,omitempty"`
}

const (
	// Issuer is the iss claim of every session token: auth issued it.
	Issuer = "gittix-auth"
	// Audience is the aud claim of every session token: the GitTix APIs.
	// A token some other system signed with a shared key is refused.
	Audience = "gittix"
	// Leeway is the clock skew tolerated between the pod that signed a
	// token and the one verifying it.
	Leeway = 30 * time.Second
	// MinKeyLen is the shortest JWT_KEY a service accepts: an HS256 key
	// shorter than its 32-byte hash can be guessed offline from one token.
	MinKeyLen = 32
)

// GetExpirationTime and the methods below implement jwt.Claims.
func (c Claims) GetExpirationTime() (*jwt.NumericDate, error) { return numeric(c.ExpiresAt), nil }
func (c Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return numeric(c.IssuedAt), nil }
func (c Claims) GetNotBefore() (*jwt.NumericDate, error)      { return numeric(c.NotBefore), nil }
func (c Claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c Claims) GetSubject() (string, error)                  { return "", nil }
func (c Claims) GetAudience() (jwt.ClaimStrings, error)       { return c.Audience, nil }

func numeric(sec int64) *jwt.NumericDate {
	if sec == 0 {
		return nil
	}
	return jwt.NewNumericDate(time.Unix(sec, 0))
}

// ErrInvalidToken is returned for a token that is malformed, forged,
// expired, or signed with anything but HS256.
var ErrInvalidToken = errors.New("invalid token")

// Sign returns an HS256 token for u that expires after ttl.
func Sign(key []byte, u User, now time.Time, ttl time.Duration) (string, error) {
	c := Claims{User: u, IssuedAt: now.Unix(), ExpiresAt: now.Add(ttl).Unix(), Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// Verify checks token and returns its claims. Only HS256 is accepted; the
// token must name Issuer and Audience and carry an expiry that has not
// passed; times are checked with Leeway.
func Verify(key []byte, token string, now time.Time) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithLeeway(Leeway),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.ID == "" {
		return Claims{}, fmt.Errorf("%w: no user id", ErrInvalidToken)
	}
	return c, nil
}
