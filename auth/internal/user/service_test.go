package user_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/gittix/ticketing/auth/internal/user"
	"github.com/gittix/ticketing/auth/internal/user/usertest"
)

// fakeHasher "hashes" in the clear and counts its work, so that tests can
// see which checks ran.
type fakeHasher struct {
	mu                    sync.Mutex
	hashes, verifies, dum int
	prefix                string // hashes without this prefix need a rehash
}

func (h *fakeHasher) Hash(_ context.Context, pw string) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hashes++
	return h.prefix + pw, nil
}

func (h *fakeHasher) Verify(_ context.Context, enc, pw string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verifies++
	_, rest, _ := strings.Cut(enc, "$")
	return rest == pw, nil
}

func (h *fakeHasher) VerifyDummy(context.Context, string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dum++
	return nil
}

func (h *fakeHasher) NeedsRehash(enc string) bool { return !strings.HasPrefix(enc, h.prefix) }

func newService(store user.Store, h user.Hasher) (*user.Service, *bytes.Buffer) {
	var buf bytes.Buffer
	return user.NewService(store, h, slog.New(slog.NewJSONHandler(&buf, nil))), &buf
}

func TestSignUpNormalises(t *testing.T) {
	t.Parallel()
	store, h := usertest.NewMemStore(), &fakeHasher{prefix: "v2$"}
	svc, _ := newService(store, h)
	u, err := svc.SignUp(context.Background(), "  Ann@Example.COM ", "  pass1  ")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := u.Email, "ann@example.com"; got != want {
		t.Errorf("email = %q, want %q", got, want)
	}
	if got, want := u.PasswordHash, "v2$pass1"; got != want {
		t.Errorf("hash = %q, want %q (hash of the trimmed password)", got, want)
	}
	if _, err := svc.SignUp(context.Background(), "ann@example.com", "other"); !errors.Is(err, user.ErrEmailInUse) {
		t.Errorf("second sign-up: err = %v, want user.ErrEmailInUse", err)
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		email, password   string
		wantErr           error
		wantVerifies, dum int
	}{
		{"right", "ann@example.com", "pass1", nil, 1, 0},
		{"other case, spaces", " ANN@example.com ", " pass1 ", nil, 1, 0},
		{"wrong password", "ann@example.com", "pass2", user.ErrInvalidCredentials, 1, 0},
		// The unknown email does the same hashing work as a wrong password.
		{"unknown email", "bob@example.com", "pass1", user.ErrInvalidCredentials, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, h := usertest.NewMemStore(), &fakeHasher{prefix: "v2$"}
			svc, _ := newService(store, h)
			if _, err := svc.SignUp(context.Background(), "ann@example.com", "pass1"); err != nil {
				t.Fatal(err)
			}
			u, err := svc.SignIn(context.Background(), tt.email, tt.password)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SignIn(%q, %q) err = %v, want %v", tt.email, tt.password, err, tt.wantErr)
			}
			if err == nil && u.Email != "ann@example.com" {
				t.Errorf("SignIn user = %+v, want ann@example.com", u)
			}
			if h.verifies != tt.wantVerifies || h.dum != tt.dum {
				t.Errorf("Verify ran %d times, VerifyDummy %d; want %d and %d", h.verifies, h.dum, tt.wantVerifies, tt.dum)
			}
		})
	}
}

func TestSignInStoreFailure(t *testing.T) {
	t.Parallel()
	store := usertest.NewMemStore()
	store.Err = errors.New("connection refused")
	svc, _ := newService(store, &fakeHasher{})
	_, err := svc.SignIn(context.Background(), "ann@example.com", "pass1")
	if err == nil || errors.Is(err, user.ErrInvalidCredentials) || !errors.Is(err, store.Err) {
		t.Errorf("SignIn with a failing store: err = %v, want the store's error wrapped", err)
	}
}

// A hash made with older parameters is replaced at the next good sign-in.
func TestSignInUpgradesOldHash(t *testing.T) {
	t.Parallel()
	store := usertest.NewMemStore()
	store.Put(user.User{ID: "u1", Email: "ann@example.com", PasswordHash: "v1$pass1"})
	h := &fakeHasher{prefix: "v2$"}
	svc, logs := newService(store, h)
	if _, err := svc.SignIn(context.Background(), "ann@example.com", "pass1"); err != nil {
		t.Fatal(err)
	}
	if got, want := storedHash(t, store), "v2$pass1"; got != want {
		t.Errorf("stored hash = %q, want %q", got, want)
	}
	if strings.Contains(logs.String(), "pass1") {
		t.Errorf("log mentions the password or its hash: %s", logs)
	}
	// A wrong password upgrades nothing.
	store.Put(user.User{ID: "u1", Email: "ann@example.com", PasswordHash: "v1$pass1"})
	if _, err := svc.SignIn(context.Background(), "ann@example.com", "nope1"); !errors.Is(err, user.ErrInvalidCredentials) {
		t.Fatalf("err = %v, want user.ErrInvalidCredentials", err)
	}
	if got, want := storedHash(t, store), "v1$pass1"; got != want {
		t.Errorf("after a wrong password, stored hash = %q, want %q", got, want)
	}
}

func storedHash(t *testing.T, store user.Store) string {
	t.Helper()
	u, err := store.ByEmail(context.Background(), "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return u.PasswordHash
}

func TestUserLogValueHidesHash(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "user", user.User{ID: "u1", Email: "a@b.co", PasswordHash: "$argon2id$secret"})
	if strings.Contains(buf.String(), "argon2id") {
		t.Errorf("logged user shows the hash: %s", buf.String())
	}
}
