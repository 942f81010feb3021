//go:build integration && !soak

package e2e_test

// The make test sizes of the contention tests; make soak runs the full ones.
const (
	rushBuyersOneTicket = 1000 // buyers on one ticket
	rushTickets         = 20   // tickets rushed at once…
	rushBuyersEach      = 100  // …by this many buyers each
)
