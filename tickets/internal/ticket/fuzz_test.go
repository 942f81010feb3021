package ticket_test

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gittix/ticketing/tickets/internal/ticket"
)

// FuzzParsePrice checks ParsePrice against strconv.ParseFloat: an accepted
// price is within a float's rounding of the text's value, and a short plain
// decimal clearly inside the range is accepted.
func FuzzParsePrice(f *testing.F) {
	for _, s := range []string{
		"20", "19.99", " 12.5 ", "+3", ".5", "5.", "1e2", "1.5E-1", "1.005", "0.005", "0.004",
		"1000000", "1000000.004", "1000000.005", "0", "-0", "-1", "1e400", "1e-400", "1e999999999",
		"NaN", "Inf", "0x10", "1_000", "", ".", "1e", "0.30000000000000004",
		"5." + strings.Repeat("0", 62), "1" + strings.Repeat("0", 1000) + "e-1000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ticket.ParsePrice(s)
		trimmed := strings.TrimSpace(s)
		v, ferr := strconv.ParseFloat(trimmed, 64)
		plain := ferr == nil && trimmed != "" && strings.Trim(trimmed, "0123456789.eE+-") == ""
		if err != nil {
			// Only a short plain decimal well inside the range must pass.
			if plain && len(trimmed) <= ticket.MaxPriceLen && v*100 > 0.5+1e-6 && v*100 < float64(ticket.MaxPrice)-1 {
				t.Fatalf("ParsePrice(%q) = %v, but it is %v dollars", s, err, v)
			}
			return
		}
		if c <= 0 || c > ticket.MaxPrice {
			t.Fatalf("ParsePrice(%q) = %d cents, out of range", s, c)
		}
		if !plain {
			t.Fatalf("ParsePrice(%q) accepted text that is not a plain decimal", s)
		}
		if d := math.Abs(v*100 - float64(c)); d > 0.5+1e-6*v*100 {
			t.Fatalf("ParsePrice(%q) = %d cents, but the text is %v dollars", s, c, v)
		}
	})
}
