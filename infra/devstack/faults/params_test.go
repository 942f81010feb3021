//go:build integration && !soak

package faults_test

// The default (make test) sizes: enough to show the behaviour, fast on two
// loaded cores.
const (
	soak = false

	flowsDuringNATSRestart = 4  // buy-and-pay flows running while NATS Streaming restarts
	sigtermClients         = 8  // clients hammering tickets when it gets SIGTERM
	sigtermEvents          = 40 // order:created events queued for tickets when it gets SIGTERM
)
