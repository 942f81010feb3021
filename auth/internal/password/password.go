// Package password hashes passwords with argon2id and checks them in
// constant time.
//
// A hash is stored in the self-describing PHC string format
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>
//
// (salt and key in unpadded standard base64), so the parameters can be
// raised later: Verify reads them from the stored string, and NeedsRehash
// tells when a stored hash is weaker than the current parameters.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// OWASP is the minimum configuration recommended by the OWASP Password
// Storage Cheat Sheet for argon2id: 19 MiB of memory, 2 iterations, 1 lane,
// with a 16-byte random salt and a 32-byte key.
var OWASP = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

func (p Params) String() string {
	return fmt.Sprintf("argon2id m=%d KiB t=%d p=%d salt=%dB key=%dB", p.Memory, p.Time, p.Threads, p.SaltLen, p.KeyLen)
}

// ErrMalformed is returned for a stored hash that is not an argon2id PHC
// string this package can check.
var ErrMalformed = errors.New("malformed password hash")

// Limits on what a stored hash may ask for, so that a corrupt record cannot
// make one check take gigabytes of memory or minutes of CPU.
const (
	maxMemory = 1 << 20 // KiB (1 GiB)
	maxTime   = 64
	minSalt   = 8
	minKey    = 16
	maxKey    = 128
)

// Hasher hashes and verifies passwords. It is safe for concurrent use.
//
// Every argon2id computation holds Params.Memory of RAM, so a Hasher runs
// at most a fixed number of them at once (see New); callers beyond that
// wait for a slot or for their context to end.
type Hasher struct {
	params Params
	slots  chan struct{}
	dummy  string // a hash of a random password, for VerifyDummy
}

// New returns a Hasher producing hashes with p. concurrency bounds the
// number of hashes computed at once; 0 means GOMAXPROCS, capped at 8 (each
// lane is CPU-bound, so more would only cost memory).
//
// The dummy hash for VerifyDummy is a random key under a random salt with
// p: no password matches it, and checking one costs a full argon2id run
// with p, as for a real hash. It needs no argon2id run of its own, which
// would add a sign-in's time to the start-up and leave p.Memory of heap
// (19 MiB) that the runtime is slow to give back (idle RSS 30 MiB instead
// of 12, measured by make bench).
func New(p Params, concurrency int) (*Hasher, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if concurrency <= 0 {
		concurrency = min(runtime.GOMAXPROCS(0), 8)
	}
	salt, key := make([]byte, p.SaltLen), make([]byte, p.KeyLen)
	rand.Read(salt) // never fails (crypto/rand, Go ≥ 1.24)
	rand.Read(key)
	return &Hasher{params: p, slots: make(chan struct{}, concurrency), dummy: encode(p, salt, key)}, nil
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of a new salted hash of password.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	rand.Read(salt)
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches the stored PHC string encoded,
// comparing the keys in constant time.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy does the work of Verify against a hash no password matches.
// Sign-in calls it for an unknown email, so that it takes about as long as
// a wrong password.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	_, err := h.Verify(ctx, h.dummy, password)
	return err
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// h's (or cannot be read), so that it should be replaced after the next
// successful check.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	c := h.params
	return p.Memory < c.Memory || p.Time < c.Time || p.Threads < c.Threads ||
		uint32(len(salt)) < c.SaltLen || uint32(len(key)) < c.KeyLen
}

// derive runs argon2id once it has a slot.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to hash a password: %w", ctx.Err())
	}
	defer func() { <-h.slots }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return fmt.Errorf("%w: threads must be at least 1", ErrMalformed)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("%w: memory %d KiB out of range", ErrMalformed, p.Memory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: time %d out of range", ErrMalformed, p.Time)
	case p.SaltLen < minSalt:
		return fmt.Errorf("%w: salt of %d bytes is too short", ErrMalformed, p.SaltLen)
	case p.KeyLen < minKey || p.KeyLen > maxKey:
		return fmt.Errorf("%w: key length %d out of range", ErrMalformed, p.KeyLen)
	}
	return nil
}

func encode(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decode(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformed)
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformed, parts[2])
	}
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || n != 3 ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) {
		return Params{}, nil, nil, fmt.Errorf("%w: bad parameters %q", ErrMalformed, parts[3])
	}
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: bad salt", ErrMalformed)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: bad key", ErrMalformed)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, err
	}
	return p, salt, key, nil
}
