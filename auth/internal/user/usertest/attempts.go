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
}

var _ user.Attempts = (*MemAttempts)(nil)

// Begin implements user.Attempts.
func (m *MemAttempts) Begin(_ context.Context, email string, now time.Time, window time.Duration) (int64, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		return 0, time.Time{}, m.Err
	}
	if m.windows == nil {
		m.windows = map[string]*memWindow{}
	}
	w, ok := m.windows[email]
	if !ok || !now.Before(w.start.Add(window)) {
		w = &memWindow{start: now}
		m.windows[email] = w
	}
	w.count++
	return w.count, w.start, nil
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
