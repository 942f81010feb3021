// Package storm holds the duplicate and out-of-order delivery storm (issue
// 10): a seeded, randomised workload run against the real tickets, orders
// and payments services — their HTTP APIs and their event handlers, as
// wired by each service's app.NewParts, on real MongoDB (FerretDB) — whose
// events are delivered by a simulated broker that reorders them at random,
// delivers duplicates, and redelivers whatever a handler did not ack, as
// NATS Streaming would. At the end every replica must equal its source of
// truth.
//
//	go test -tags=integration -run TestStorm -v ./storm/               # a new seed
//	STORM_SEED=42 STORM_TICKETS=500 go test -tags=integration -run TestStorm -v ./storm/
package storm
