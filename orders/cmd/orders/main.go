// Command orders runs the orders service (SPEC §6).
package main

import (
	"github.com/gittix/ticketing/common/process"
	"github.com/gittix/ticketing/orders/app"
)

func main() { process.Main("orders", app.Run) }
