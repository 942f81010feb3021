//go:build integration && !race

package faults_test

const raceEnabled = false
