//go:build integration && !soak

package storm_test

// stormTickets is the storm's size in make test; STORM_TICKETS overrides it.
const stormTickets = 200
