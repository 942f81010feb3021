package ticket

import (
	"errors"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Cents is an amount of money in US cents. Prices are stored as cents, so
// that no arithmetic on them is ever inexact, and shown as dollars.
type Cents int64

// Dollars returns c in dollars, for the wire (HTTP and events). The result
// is the float64 nearest to the exact amount, so it prints as, e.g., 12.5
// or 19.99.
func (c Cents) Dollars() float64 { return float64(c) / 100 }

// Input limits.
const (
	MaxPrice    Cents = 1_000_000_00 // one million dollars
	MaxTitleLen       = 200          // characters (runes), after trimming
	// MaxPriceLen bounds a price's text, after trimming. Any real price is
	// far shorter; a longer one (up to the 1 MiB body limit) would cost
	// seconds of exact arithmetic, and past 800 digits strconv.ParseFloat's
	// first look can be wrong (golang/go#42436).
	MaxPriceLen = 64
)

// Input errors.
var (
	ErrTitleRequired = errors.New("title is required")
	ErrTitleTooLong  = errors.New("title is too long")
	ErrPriceInvalid  = errors.New("price must be greater than 0")
	ErrPriceTooHigh  = errors.New("price is too high")
)

// ParseTitle trims s and checks that it is not empty and at most
// MaxTitleLen characters long.
func ParseTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", ErrTitleRequired
	case utf8.RuneCountInString(s) > MaxTitleLen:
		return "", ErrTitleTooLong
	}
	return s, nil
}

// decimal is a plain decimal number, optionally with an exponent: what a
// JSON number or a numeric string may hold. No NaN, Inf, hex or fractions.
var decimal = regexp.MustCompile(`^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$`)

// ParsePrice parses a decimal amount of dollars (surrounding spaces
// allowed), rounds it to cents half away from zero, and checks that the
// result is above 0 (ErrPriceInvalid) and at most MaxPrice (ErrPriceTooHigh).
// The rounding is exact: "1.005" is 101 cents. Text longer than MaxPriceLen
// is ErrPriceInvalid.
func ParsePrice(s string) (Cents, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxPriceLen || !decimal.MatchString(s) {
		return 0, ErrPriceInvalid
	}
	// A float look first rejects out-of-range values cheaply, before any
	// exact arithmetic on a number like 1e999999.
	f, _ := strconv.ParseFloat(s, 64) // ±Inf or 0 on a range error: handled below
	switch {
	case f <= 0: // negative, zero, or too small for a float
		return 0, ErrPriceInvalid
	case f > 2*MaxPrice.Dollars():
		return 0, ErrPriceTooHigh
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, ErrPriceInvalid
	}
	// cents = floor(r·100 + ½), which rounds half away from zero for r > 0.
	r.Mul(r, big.NewRat(100, 1)).Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	switch c := Cents(n.Int64()); {
	case c <= 0:
		return 0, ErrPriceInvalid
	case c > MaxPrice:
		return 0, ErrPriceTooHigh
	default:
		return c, nil
	}
}
