// Package user holds the auth service's domain: users, the rules for their
// email and password, and sign-up and sign-in.
package user

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// User is a registered user. PasswordHash is never serialised.
type User struct {
	ID           string
	Email        string // normalised: trimmed and lower-cased
	PasswordHash string `json:"-"`
	Banned       bool   // by an admin: no sign-in, and no service honours its tokens
}

// LogValue keeps the password hash out of logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID), slog.String("email", u.Email))
}

// Errors of the domain.
var (
	ErrNotFound           = errors.New("user not found")
	ErrEmailInUse         = errors.New("email in use")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrBanned             = errors.New("user banned")
)

// Store keeps users. Emails passed to it are normalised.
type Store interface {
	// Create inserts a user, or returns ErrEmailInUse when the email is
	// taken — decided by a unique index, so it holds under concurrent
	// sign-ups.
	Create(ctx context.Context, email, passwordHash string) (User, error)
	// ByEmail returns the user with that email, or ErrNotFound.
	ByEmail(ctx context.Context, email string) (User, error)
	// ReplaceHash swaps the user's password hash for newHash if it is still
	// oldHash.
	ReplaceHash(ctx context.Context, id, oldHash, newHash string) error
	// Ban marks the user of id banned and, in the same write, records its
	// user:banned event; banning a banned user changes nothing (banned
	// false). ErrNotFound when there is no such user.
	Ban(ctx context.Context, id string) (u User, banned bool, err error)
}

// Password length limits, in characters, after trimming.
const (
	MinPassword = 4
	MaxPassword = 20
	maxEmail    = 254 // RFC 5321 path limit
)

// NormalizeEmail returns the form an email is stored and looked up in:
// trimmed and lower-cased, so "  Ann@Example.COM" and "ann@example.com" are
// one user.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// ValidEmail reports whether email, once trimmed, is a plain address:
// net/mail parses it as exactly itself (no display name, comment, angle
// brackets or quoted local part), it is at most 254 bytes long, and its
// domain is a host name containing a dot (so "ann@localhost" and IP
// literals are refused). Deliverability is not checked.
func ValidEmail(email string) bool {
	email = strings.TrimSpace(email)
	if email == "" || len(email) > maxEmail {
		return false
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, "[") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// NormalizePassword trims surrounding white space, as the original's
// validator did, at sign-up and sign-in alike.
func NormalizePassword(password string) string {
	return strings.TrimSpace(password)
}

// ValidPassword reports whether a normalised password has 4 to 20
// characters (Unicode code points, not bytes).
func ValidPassword(password string) bool {
	n := utf8.RuneCountInString(password)
	return n >= MinPassword && n <= MaxPassword
}
