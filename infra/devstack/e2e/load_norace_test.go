//go:build integration && !race

package e2e_test

// The most requests a rush keeps in flight (the other buyers wait for a
// connection in the client): the whole app runs in the test's process, and
// each request in flight holds four file descriptors (client, gateway in
// and out, orders).
const rushMaxConns = 1000
