// Package poll waits for a condition the one way the tests of
// infra/devstack do: check it, wait a moment, check again, until a
// deadline — never a bare sleep.
package poll

import (
	"testing"
	"time"
)

// Every is how long Until waits between two checks.
const Every = 20 * time.Millisecond

// Until calls cond every Every until it holds, or fails t after limit with
// what it waited for and the last thing cond said ("" says nothing).
func Until(t testing.TB, limit time.Duration, what string, cond func() (ok bool, last string)) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			if last != "" {
				t.Fatalf("timed out after %s waiting for: %s (last: %s)", limit, what, last)
			}
			t.Fatalf("timed out after %s waiting for: %s", limit, what)
		}
		time.Sleep(Every)
	}
}

// Holds adapts a condition with nothing to say to Until.
func Holds(cond func() bool) func() (bool, string) {
	return func() (bool, string) { return cond(), "" }
}
