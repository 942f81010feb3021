package user

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// Hasher hashes and checks passwords (password.Hasher).
type Hasher interface {
	Hash(ctx context.Context, password string) (string, error)
	Verify(ctx context.Context, encoded, password string) (bool, error)
	// VerifyDummy costs what Verify costs, for an email with no user.
	VerifyDummy(ctx context.Context, password string) error
	NeedsRehash(encoded string) bool
}

// Service signs users up and in.
//
// Hashing runs outside every store call: the store answers, its connection
// goes back to the pool, and only then is the (slow, memory-hard) hash
// computed.
type Service struct {
	store  Store
	hasher Hasher
	log    *slog.Logger
	// Throttle, when set, limits failed sign-ins per email and password.
	Throttle *Throttle
	// SignUps, when set, bounds the sign-ups of all replicas together.
	SignUps *Limit
}

// NewService returns a Service over store and hasher.
func NewService(store Store, hasher Hasher, log *slog.Logger) *Service {
	return &Service{store: store, hasher: hasher, log: log}
}

// SignUp creates a user with a validated email and password (see
// ValidEmail, ValidPassword). It returns ErrEmailInUse when the normalised
// email is taken.
func (s *Service) SignUp(ctx context.Context, email, password string) (User, error) {
	if err := s.SignUps.Take(ctx); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, NormalizePassword(password))
	if err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	u, err := s.store.Create(ctx, NormalizeEmail(email), hash)
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// SignIn returns the user whose email and password these are, or
// ErrInvalidCredentials — for an unknown email and a wrong password alike,
// after the same amount of hashing work. With a Throttle, an email with too
// many recent failures gets a *ThrottledError instead, before any check,
// and a success starts the email's count over.
func (s *Service) SignIn(ctx context.Context, email, password string) (User, error) {
	email = NormalizeEmail(email)
	a, err := s.Throttle.begin(ctx, email, password)
	if err != nil {
		return User{}, err
	}
	u, err := s.signIn(ctx, email, password)
	var uerr error
	switch {
	case err == nil: // the email's count starts over
		uerr = a.succeed(context.WithoutCancel(ctx))
	case !errors.Is(err, ErrInvalidCredentials): // a fault of ours: not a failed guess
		uerr = a.forget(context.WithoutCancel(ctx))
	}
	if uerr != nil {
		s.log.Warn("uncount sign-in attempt", "err", uerr)
	}
	return u, err
}

func (s *Service) signIn(ctx context.Context, email, password string) (User, error) {
	password = NormalizePassword(password)
	if utf8.RuneCountInString(password) > MaxPassword {
		// No password this long was ever accepted at sign-up: it cannot
		// match, and hashing up to a whole request body of it would only
		// spend a CPU for an attacker. Still a failed attempt.
		return User{}, ErrInvalidCredentials
	}
	u, err := s.store.ByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		if err := s.hasher.VerifyDummy(ctx, password); err != nil {
			return User{}, fmt.Errorf("check password: %w", err)
		}
		return User{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	ok, err := s.hasher.Verify(ctx, u.PasswordHash, password)
	if err != nil {
		return User{}, fmt.Errorf("check password of user %s: %w", u.ID, err)
	}
	if !ok {
		return User{}, ErrInvalidCredentials
	}
	if u.Banned { // told only to who knows the password
		return User{}, ErrBanned
	}
	if s.hasher.NeedsRehash(u.PasswordHash) {
		s.rehash(ctx, u, password)
	}
	return u, nil
}

// rehash upgrades a hash made with older parameters. A failure only delays
// the upgrade to the next sign-in.
func (s *Service) rehash(ctx context.Context, u User, password string) {
	hash, err := s.hasher.Hash(ctx, password)
	if err == nil {
		err = s.store.ReplaceHash(ctx, u.ID, u.PasswordHash, hash)
	}
	if err != nil {
		s.log.Warn("upgrade password hash", "user", u.ID, "err", err)
		return
	}
	s.log.Info("upgraded password hash", "user", u.ID)
}

// Ban bans the user of id (see Store.Ban): from then on every service
// answers its tokens 401 and its sign-ins are refused.
func (s *Service) Ban(ctx context.Context, id string) (User, error) {
	u, banned, err := s.store.Ban(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("ban user %s: %w", id, err)
	}
	if banned {
		s.log.Info("user banned", "user_id", u.ID)
	}
	return u, nil
}
