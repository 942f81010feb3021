//go:build integration && race

package e2e_test

// The most requests a rush keeps in flight (the other buyers wait for a
// connection in the client). Under the race detector the app, which runs
// in the test's process, serves about a third as many requests per second
// (100–200 on two shared cores): with 1,000 in flight the last ones waited
// for the store beyond its 10 s operation timeout, and were answered 503
// (load shedding, by design), so the rushes keep fewer in flight.
const rushMaxConns = 250
