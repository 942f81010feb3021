package usertest

import (
	"context"
	"sync"
	"time"

	"github.com/gittix/ticketing/auth/internal/user"
)

// MemAttempts is a user.Attempts in memory. Err, when set, fails every call.
type MemAttempts struct {
	mu      sync.Mutex
	windows map[string]*memWindow
	Err     error
}

type memWindow struct {
	count int64
	start time.Time
	next  time.Time
}

var _ user.Attempts = (*MemAttempts)(nil)

// Begin implements user.Attempts.
func (m *MemAttempts) Begin(_ context.Context, email string, now time.Time, window time.Duration) (user.Window, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return user.Window{}, m.Err
	}
	if m.windows == nil {
		m.windows = map[string]*memWindow{}
	}
	w, ok := m.windows[email]
	if !ok || !now.Before(w.start.Add(window)) {
		var next time.Time
		if ok {
			next = w.next
		}
		w = &memWindow{start: now, next: next}
		m.windows[email] = w
	}
	w.count++
	return user.Window{Count: w.count, Start: w.start, Next: w.next}, nil
}

// Delay implements user.Attempts.
func (m *MemAttempts) Delay(_ context.Context, key string, prev, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return false, m.Err
	}
	w, ok := m.windows[key]
	if !ok || !w.next.Equal(prev) {
		return false, nil
	}
	w.next = until
	return true, nil
}

// Forget implements user.Attempts.
func (m *MemAttempts) Forget(_ context.Context, email string, start time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	if w, ok := m.windows[email]; ok && w.start.Equal(start) {
		w.count--
	}
	return nil
}

// Reset implements user.Attempts.
func (m *MemAttempts) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return m.Err
	}
	delete(m.windows, key)
	return nil
}
