//go:build integration && soak

package e2e_test

// The make soak sizes of the contention tests (issue 10: 1000 buyers on
// each of 100 tickets at once).
const (
	rushBuyersOneTicket = 1000
	rushTickets         = 100
	rushBuyersEach      = 1000
)
