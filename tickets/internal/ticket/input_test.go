package ticket_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gittix/ticketing/tickets/internal/ticket"
)

func TestParsePrice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    ticket.Cents
		wantErr error
	}{
		{in: "20", want: 2000},
		{in: "12.50", want: 1250},
		{in: " 12.5 ", want: 1250},
		{in: "+3", want: 300},
		{in: "19.99", want: 1999},
		{in: "0.01", want: 1},
		{in: ".5", want: 50},
		{in: "5.", want: 500},
		{in: "1e2", want: 10000},
		{in: "1.5E-1", want: 15},
		{in: "1.005", want: 101},  // exact half: away from zero (a float would give 100)
		{in: "1.0049", want: 100}, // below half
		{in: "0.005", want: 1},
		{in: "1000000", want: 1_000_000_00},
		{in: "1000000.004", want: 1_000_000_00}, // rounds to the maximum
		{in: "0", wantErr: ticket.ErrPriceInvalid},
		{in: "-0", wantErr: ticket.ErrPriceInvalid},
		{in: "0.004", wantErr: ticket.ErrPriceInvalid}, // rounds to 0 cents
		{in: "-10", wantErr: ticket.ErrPriceInvalid},
		{in: "-0.01", wantErr: ticket.ErrPriceInvalid},
		{in: "1e-400", wantErr: ticket.ErrPriceInvalid},
		{in: "", wantErr: ticket.ErrPriceInvalid},
		{in: "   ", wantErr: ticket.ErrPriceInvalid},
		{in: "abc", wantErr: ticket.ErrPriceInvalid},
		{in: "NaN", wantErr: ticket.ErrPriceInvalid},
		{in: "nan", wantErr: ticket.ErrPriceInvalid},
		{in: "Inf", wantErr: ticket.ErrPriceInvalid},
		{in: "+Infinity", wantErr: ticket.ErrPriceInvalid},
		{in: "0x10", wantErr: ticket.ErrPriceInvalid},
		{in: "1_000", wantErr: ticket.ErrPriceInvalid},
		{in: "1/2", wantErr: ticket.ErrPriceInvalid},
		{in: "12.50 USD", wantErr: ticket.ErrPriceInvalid},
		{in: "$12", wantErr: ticket.ErrPriceInvalid},
		{in: "1e", wantErr: ticket.ErrPriceInvalid},
		{in: ".", wantErr: ticket.ErrPriceInvalid},
		{in: "1000000.005", wantErr: ticket.ErrPriceTooHigh},
		{in: "1000000.01", wantErr: ticket.ErrPriceTooHigh},
		{in: "1e7", wantErr: ticket.ErrPriceTooHigh},
		{in: "1e400", wantErr: ticket.ErrPriceTooHigh},
		{in: "1e999999999", wantErr: ticket.ErrPriceTooHigh},
		{in: "0.30000000000000004", want: 30}, // a float printed in full
		{in: "5." + strings.Repeat("0", ticket.MaxPriceLen-2), want: 500},
		{in: " 5." + strings.Repeat("0", ticket.MaxPriceLen-2) + " ", want: 500},
		// Longer than MaxPriceLen: refused before any arithmetic. A
		// megabyte of digits cost 1.5 s of big.Rat work per request, and
		// strconv.ParseFloat misreads over 800 digits (golang/go#42436).
		{in: "5." + strings.Repeat("0", ticket.MaxPriceLen-1), wantErr: ticket.ErrPriceInvalid},
		{in: "1." + strings.Repeat("7", 1<<20), wantErr: ticket.ErrPriceInvalid},
		{in: "1" + strings.Repeat("0", 1000) + "e-1000", wantErr: ticket.ErrPriceInvalid},
	}
	for _, tt := range tests {
		name := tt.in
		if len(name) > 80 {
			name = name[:80] + "…"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := ticket.ParsePrice(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParsePrice(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParsePrice(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestCentsDollars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    ticket.Cents
		want float64
	}{
		{1, 0.01}, {1250, 12.5}, {1999, 19.99}, {2000, 20}, {ticket.MaxPrice, 1_000_000},
	}
	for _, tt := range tests {
		if got := tt.c.Dollars(); got != tt.want {
			t.Errorf("Cents(%d).Dollars() = %v, want %v", tt.c, got, tt.want)
		}
	}
}

func TestParseTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{name: "plain", in: "concert", want: "concert"},
		{name: "trimmed", in: "  concert \n", want: "concert"},
		{name: "empty", in: "", wantErr: ticket.ErrTitleRequired},
		{name: "only spaces", in: " \t\n ", wantErr: ticket.ErrTitleRequired},
		{name: "200 runes", in: strings.Repeat("é", 200), want: strings.Repeat("é", 200)},
		{name: "201 runes", in: strings.Repeat("é", 201), wantErr: ticket.ErrTitleTooLong},
		{name: "200 runes after trim", in: " " + strings.Repeat("a", 200) + " ", want: strings.Repeat("a", 200)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ticket.ParseTitle(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseTitle(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseTitle(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

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
