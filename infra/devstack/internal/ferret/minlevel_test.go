package ferret

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestMinLevelKeepsAttributesAndGroups(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(minLevel{level: slog.LevelError, Handler: slog.NewTextHandler(&buf, nil)})
	q := log.With("db", "orders").WithGroup("sql").With("stmt", "UPDATE")
	q.Warn("slow")
	q.Error("failed", "n", 1)
	log.Error("plain")
	got := buf.String()
	if strings.Contains(got, "slow") {
		t.Errorf("a warning passed: %s", got)
	}
	for _, want := range []string{`msg=failed db=orders sql.stmt=UPDATE sql.n=1`, `msg=plain`} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(strings.SplitN(got, "\n", 3)[1], "db=") {
		t.Errorf("the parent logger got its child's attributes: %s", got)
	}
}
