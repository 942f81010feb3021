//go:build integration && soak

package faults_test

// The soak (make soak) sizes.
const (
	soak = true

	flowsDuringNATSRestart = 40
	sigtermClients         = 32
	sigtermEvents          = 400
)
