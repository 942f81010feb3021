// Package tools pins the Go tools the scripts run (go.mod's tool
// directives): govulncheck, and gendb, which builds govulncheck's database
// offline from the golang.org/x/vulndb module (infra/scripts/vulncheck.sh).
// This module is not in go.work, so its requirements never change the
// services' versions.
package tools
