//go:build integration && !race

package e2e_test

// The most requests a rush keeps in flight (the other buyers wait their
// turn in the client). With 1,000 in flight on two shared cores, orders
// served ~270 requests a second, and about 1.5% of them waited for the
// store beyond its 10 s operation timeout and were answered 503 (load
// shedding, by design) — still exactly one order per ticket.
const rushMaxConns = 500
