package env_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/env"
)

func TestReader(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"NAME": "x", "PORT": "8081", "N": "7", "SECS": "30", "D": "90s", "B": "true", "U": "https://example.test",
		"KEY": "0123456789abcdef0123456789abcdef",
	}
	r := env.NewReader(func(k string) string { return vars[k] })
	if got, want := r.String("NAME", "d"), "x"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got, want := r.String("UNSET", "d"), "d"; got != want {
		t.Errorf("String default = %q, want %q", got, want)
	}
	if got, want := r.Addr("3000"), ":8081"; got != want {
		t.Errorf("Addr = %q, want %q", got, want)
	}
	if got, want := r.Int("N", 1), 7; got != want {
		t.Errorf("Int = %d, want %d", got, want)
	}
	if got, want := r.Seconds("SECS", 1), 30*time.Second; got != want {
		t.Errorf("Seconds = %v, want %v", got, want)
	}
	if got, want := r.Duration("D", time.Minute), 90*time.Second; got != want {
		t.Errorf("Duration = %v, want %v", got, want)
	}
	if !r.Bool("B", false) || !r.Bool("UNSET", true) {
		t.Error("Bool read wrong")
	}
	if got := r.URL("U", ""); got != vars["U"] {
		t.Errorf("URL = %q", got)
	}
	if got := string(r.Secret("KEY", 32)); got != vars["KEY"] {
		t.Errorf("Secret = %q", got)
	}
	if id := r.ClientID("UNSET", "orders"); !strings.HasPrefix(id, "orders-") || len(id) != len("orders-")+8 {
		t.Errorf("ClientID = %q, want orders-<8 hex>", id)
	}
	if err := r.Err(); err != nil {
		t.Errorf("Err = %v, want nil", err)
	}
}

// TestReaderCollectsEveryError: every bad variable is named at once.
func TestReaderCollectsEveryError(t *testing.T) {
	t.Parallel()
	vars := map[string]string{
		"PORT": "70000", "N": "-1", "SECS": "soon", "D": "15", "B": "maybe", "U": "ftp://x", "KEY": "short",
	}
	r := env.NewReader(func(k string) string { return vars[k] })
	r.Addr("3000")
	r.Required("MONGO_URI")
	if got, want := r.Int("N", 5), 5; got != want {
		t.Errorf("Int of a bad value = %d, want the default %d", got, want)
	}
	r.Seconds("SECS", 900)
	r.Duration("D", 15*time.Minute)
	r.Bool("B", false)
	r.URL("U", "")
	r.URL("API", "")
	r.Secret("KEY", 32)
	err := r.Err()
	if err == nil {
		t.Fatal("Err = nil, want every problem")
	}
	for _, want := range []string{
		`PORT must be a port number, got "70000"`,
		"MONGO_URI must be set",
		`N must be a positive whole number, got "-1"`,
		`SECS must be a positive whole number, got "soon"`,
		`D must be a positive Go duration such as 15m, got "15"`,
		`B must be true or false, got "maybe"`,
		`U must be an http(s) URL, got "ftp://x"`,
		"API must be set",
		"KEY must be at least 32 bytes long, got 5",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Err = %q, want it to contain %q", err, want)
		}
	}
}
