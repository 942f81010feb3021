//go:build integration && race

package faults_test

// raceEnabled: the test binary runs with the race detector, so the service
// binaries are built with it too.
const raceEnabled = true
