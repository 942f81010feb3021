package user_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/auth/internal/user/usertest"
)

// TestSignInLongPasswordNotHashed: a password longer than sign-up allows
// is invalid credentials at once — no hash is computed for it — and still
// counts as a failed attempt.
func TestSignInLongPasswordNotHashed(t *testing.T) {
	t.Parallel()
	store, h := usertest.NewMemStore(), &fakeHasher{prefix: "v2$"}
	svc, _ := newService(store, h)
	attempts := &usertest.MemAttempts{}
	svc.Throttle = &user.Throttle{Attempts: attempts, MaxFailures: 1, Window: time.Hour}
	if _, err := svc.SignUp(context.Background(), "ann@example.com", "pass1"); err != nil {
		t.Fatal(err)
	}
	before := h.verifies
	_, err := svc.SignIn(context.Background(), "ann@example.com", strings.Repeat("x", user.MaxPassword+1))
	if !errors.Is(err, user.ErrInvalidCredentials) {
		t.Fatalf("SignIn with a 21-character password = %v, want ErrInvalidCredentials", err)
	}
	if h.verifies != before || h.dum != 0 {
		t.Errorf("a too-long password was hashed (%d verifies, %d dummy)", h.verifies-before, h.dum)
	}
	// Counted: the next attempt is over the limit of one failure.
	if _, err := svc.SignIn(context.Background(), "ann@example.com", "pass1"); !errors.Is(err, user.ErrThrottled) {
		t.Errorf("attempt after the long-password failure = %v, want throttled (the failure was counted)", err)
	}
}
