// Package faults proves that the services survive faults (issue 10,
// "Faults"): each test runs the services as real processes — built once per
// test binary — against real backing servers, injects a fault (SIGKILL
// between a write and its publish, NATS Streaming restarted on its file
// store, SIGTERM under load, MongoDB or Redis cut off), and checks that no
// request that was accepted fails, no event is lost and every replica
// converges.
//
// The harness plays Kubernetes: a service that exits on its own (as one
// does when its NATS connection is lost for good) is restarted after a short
// backoff, with the same port and NATS client id (a pod's name survives a
// container restart).
//
// The tests carry the build tag integration; longer variants run with the
// tags integration,soak (make soak). A failing test shows the output of its
// services; FAULTS_OUTPUT_DIR=dir also writes every service's output there.
package faults
