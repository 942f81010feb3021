// Package env reads a service's settings from its environment. A Reader
// collects every missing or invalid variable, so that a misconfigured
// service names all of them at once instead of one per restart.
//
// Each service keeps its own Config struct and Load function, the only code
// of the service that reads the environment; Load uses a Reader:
//
//	r := env.NewReader(getenv)
//	cfg := Config{
//		Addr:     r.Addr("3000"),
//		MongoURI: r.Required("MONGO_URI"),
//		Window:   r.Seconds("EXPIRATION_WINDOW_SECONDS", 900),
//	}
//	return cfg, r.Err()
package env

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables with a getenv function and collects their errors.
type Reader struct {
	getenv func(string) string
	errs   []error
}

// NewReader returns a Reader over getenv (os.Getenv, or a map's lookup in a
// test).
func NewReader(getenv func(string) string) *Reader { return &Reader{getenv: getenv} }

// Err returns every problem found so far, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// Fail records a problem that a caller found itself (a rule that spans
// several variables, say).
func (r *Reader) Fail(err error) { r.errs = append(r.errs, err) }

func (r *Reader) failf(format string, args ...any) { r.Fail(fmt.Errorf(format, args...)) }

// String returns the variable, or def when it is unset or empty.
func (r *Reader) String(name, def string) string {
	if v := r.getenv(name); v != "" {
		return v
	}
	return def
}

// Required returns the variable; an empty one is an error.
func (r *Reader) Required(name string) string {
	v := r.getenv(name)
	if v == "" {
		r.failf("%s must be set", name)
	}
	return v
}

// Secret returns a required key of at least minLen bytes (a shorter one can
// be guessed).
func (r *Reader) Secret(name string, minLen int) []byte {
	v := r.Required(name)
	if v != "" && len(v) < minLen {
		r.failf("%s must be at least %d bytes long, got %d", name, minLen, len(v))
	}
	return []byte(v)
}

// Port returns a TCP port number (0 to 65535) as a string.
func (r *Reader) Port(name, def string) string {
	v := r.String(name, def)
	if p, err := strconv.Atoi(v); err != nil || p < 0 || p > 65535 {
		r.failf("%s must be a port number, got %q", name, v)
	}
	return v
}

// Addr returns the address an HTTP server listens on: HOST (empty: every
// interface, as in a pod) and PORT (default def).
func (r *Reader) Addr(def string) string {
	return net.JoinHostPort(r.getenv("HOST"), r.Port("PORT", def))
}

// Int returns a positive whole number.
func (r *Reader) Int(name string, def int) int {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		r.failf("%s must be a positive whole number, got %q", name, v)
		return def
	}
	return n
}

// Seconds returns a positive whole number of seconds as a duration.
func (r *Reader) Seconds(name string, def int) time.Duration {
	return time.Duration(r.Int(name, def)) * time.Second
}

// Duration returns a positive Go duration such as 15m.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.failf("%s must be a positive Go duration such as %s, got %q", name, shortDuration(def), v)
		return def
	}
	return d
}

// Bool returns true or false (also 1/0, t/f, as strconv.ParseBool reads).
func (r *Reader) Bool(name string, def bool) bool {
	v := r.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.failf("%s must be true or false, got %q", name, v)
		return def
	}
	return b
}

// URL returns an absolute http or https URL; required unless def is set.
func (r *Reader) URL(name, def string) string {
	v := r.String(name, def)
	if v == "" {
		r.failf("%s must be set", name)
		return ""
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.failf("%s must be an http(s) URL, got %q", name, v)
	}
	return v
}

// ClientID returns the variable, or prefix-<8 random hex digits>: a name
// unique to this process (in Kubernetes, set it to the pod's name).
func (r *Reader) ClientID(name, prefix string) string {
	if v := r.getenv(name); v != "" {
		return v
	}
	var b [4]byte
	rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// shortDuration writes d as people do: 15m, not 15m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
