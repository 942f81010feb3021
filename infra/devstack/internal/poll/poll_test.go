package poll_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	t.Parallel()
	calls := 0
	poll.Until(t, 5*time.Second, "the third call", func() (bool, string) {
		calls++
		return calls == 3, "calls = " + strconv.Itoa(calls)
	})
	if calls != 3 {
		t.Errorf("calls = %d, want 3", calls)
	}
}

func TestHolds(t *testing.T) {
	t.Parallel()
	ok, last := poll.Holds(func() bool { return true })()
	if !ok || last != "" {
		t.Errorf("Holds(true)() = %v, %q; want true, \"\"", ok, last)
	}
}
