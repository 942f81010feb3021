package password

import (
	"context"
	"testing"
)

// BenchmarkVerify is one password check at the production parameters: the
// cost of every sign-in.
func BenchmarkVerify(b *testing.B) {
	h, err := New(OWASP, 1)
	if err != nil {
		b.Fatal(err)
	}
	stored, _ := h.Hash(context.Background(), "password")
	b.Logf("params: %v", h.Params())
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := h.Verify(context.Background(), stored, "password"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
