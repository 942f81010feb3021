// Package usertest provides an in-memory user.Store for tests.
package usertest

import (
	"context"
	"fmt"
	"sync"

	"github.com/gittix/ticketing/auth/internal/user"
)

// MemStore is a user.Store in memory. Err, when set, fails every call.
type MemStore struct {
	mu    sync.Mutex
	users map[string]user.User // by email
	next  int
	Err   error
}

var _ user.Store = (*MemStore)(nil)

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{users: map[string]user.User{}} }

// Create implements user.Store.
func (s *MemStore) Create(_ context.Context, email, hash string) (user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return user.User{}, s.Err
	}
	if _, ok := s.users[email]; ok {
		return user.User{}, user.ErrEmailInUse
	}
	s.next++
	u := user.User{ID: fmt.Sprintf("%024x", s.next), Email: email, PasswordHash: hash}
	s.users[email] = u
	return u, nil
}

// ByEmail implements user.Store.
func (s *MemStore) ByEmail(_ context.Context, email string) (user.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return user.User{}, s.Err
	}
	u, ok := s.users[email]
	if !ok {
		return user.User{}, user.ErrNotFound
	}
	return u, nil
}

// ReplaceHash implements user.Store.
func (s *MemStore) ReplaceHash(_ context.Context, id, oldHash, newHash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	for email, u := range s.users {
		if u.ID == id && u.PasswordHash == oldHash {
			u.PasswordHash = newHash
			s.users[email] = u
		}
	}
	return nil
}

// Ban implements user.Store.
func (s *MemStore) Ban(_ context.Context, id string) (user.User, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return user.User{}, false, s.Err
	}
	for email, u := range s.users {
		if u.ID == id {
			if u.Banned {
				return u, false, nil
			}
			u.Banned = true
			s.users[email] = u
			return u, true, nil
		}
	}
	return user.User{}, false, user.ErrNotFound
}

// Put stores u as it is, replacing any user with its email.
func (s *MemStore) Put(u user.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Email] = u
}
