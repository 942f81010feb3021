package password

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// cheap keeps the unit tests fast; the format and logic do not depend on cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newHasher(t *testing.T, p Params) *Hasher {
	t.Helper()
	h, err := New(p, 0)
	if err != nil {
		t.Fatalf("New(%v): %v", p, err)
	}
	return h
}

func TestHashFormatOWASP(t *testing.T) {
	t.Parallel()
	h := newHasher(t, OWASP)
	got, err := h.Hash(context.Background(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)
	m := phc.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("Hash = %q, want a PHC string matching %s", got, phc)
	}
	salt, _ := base64.RawStdEncoding.DecodeString(m[1])
	key, _ := base64.RawStdEncoding.DecodeString(m[2])
	// The key is exactly argon2id over the decoded salt with the stated parameters.
	if want := argon2.IDKey([]byte("correct horse"), salt, 2, 19456, 1, 32); !bytes.Equal(key, want) {
		t.Errorf("stored key = %x, want argon2.IDKey = %x", key, want)
	}
	if strings.Contains(got, "correct horse") {
		t.Errorf("hash %q contains the password", got)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheap)
	ctx := context.Background()
	stored, err := h.Hash(ctx, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		password string
		want     bool
	}{
		{"s3cret", true},
		{"s3cret ", false},
		{"S3cret", false},
		{"", false},
		{"s3cre", false},
	}
	for _, tt := range tests {
		got, err := h.Verify(ctx, stored, tt.password)
		if err != nil {
			t.Fatalf("Verify(%q): %v", tt.password, err)
		}
		if got != tt.want {
			t.Errorf("Verify(%q) = %v, want %v", tt.password, got, tt.want)
		}
	}
}

func TestHashIsSalted(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheap)
	a, _ := h.Hash(context.Background(), "same")
	b, _ := h.Hash(context.Background(), "same")
	if a == b {
		t.Errorf("two hashes of one password are equal (%q): salt is not random", a)
	}
}

// A hash made with other (older) parameters still verifies: the stored
// string carries them.
func TestVerifyReadsParametersFromHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old, err := newHasher(t, cheap).Hash(ctx, "pw1234")
	if err != nil {
		t.Fatal(err)
	}
	stronger := cheap
	stronger.Memory, stronger.Time = 128, 2
	h := newHasher(t, stronger)
	ok, err := h.Verify(ctx, old, "pw1234")
	if err != nil || !ok {
		t.Errorf("Verify(old hash) = %v, %v; want true, nil", ok, err)
	}
	if !h.NeedsRehash(old) {
		t.Errorf("NeedsRehash(%q) = false with stronger params %v, want true", old, stronger)
	}
	current, _ := h.Hash(ctx, "pw1234")
	if h.NeedsRehash(current) {
		t.Errorf("NeedsRehash(%q) = true for a hash made with the current params", current)
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheap)
	valid, _ := h.Hash(context.Background(), "pw1234")
	parts := strings.Split(valid, "$")
	salt, key := parts[4], parts[5]
	tests := []string{
		"",
		"pw1234",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=300$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1,x=2$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$!!",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,     // 4-byte salt
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$a2V5", // 3-byte key
		valid + "$extra",
	}
	for _, enc := range tests {
		ok, err := h.Verify(context.Background(), enc, "pw1234")
		if ok || !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) = %v, %v; want false, ErrMalformed", enc, ok, err)
		}
		if !h.NeedsRehash(enc) {
			t.Errorf("NeedsRehash(%q) = false, want true", enc)
		}
	}
}

func TestVerifyDummy(t *testing.T) {
	t.Parallel()
	h := newHasher(t, cheap)
	if h.dummy == "" || h.NeedsRehash(h.dummy) {
		t.Fatalf("dummy hash %q is not a current hash", h.dummy)
	}
	if err := h.VerifyDummy(context.Background(), "anything"); err != nil {
		t.Errorf("VerifyDummy: %v", err)
	}
}

func TestNewRejectsWeakParams(t *testing.T) {
	t.Parallel()
	for _, p := range []Params{
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
	} {
		if _, err := New(p, 1); err == nil {
			t.Errorf("New(%v) = nil error, want one", p)
		}
	}
}

// A caller waiting for a hashing slot gives up when its context ends.
func TestHashWaitsForSlot(t *testing.T) {
	t.Parallel()
	h, err := New(cheap, 1)
	if err != nil {
		t.Fatal(err)
	}
	h.slots <- struct{}{} // occupy the only slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw1234"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with all slots busy and a cancelled context: err = %v, want context.Canceled", err)
	}
	<-h.slots
	if _, err := h.Hash(context.Background(), "pw1234"); err != nil {
		t.Errorf("Hash after the slot is free: %v", err)
	}
}
