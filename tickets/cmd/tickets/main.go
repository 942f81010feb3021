// Command tickets runs the tickets service (SPEC §5).
package main

import (
	"github.com/gittix/ticketing/common/process"
	"github.com/gittix/ticketing/tickets/app"
)

func main() { process.Main("tickets", app.Run) }
