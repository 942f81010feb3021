// Command payments runs the payments service.
package main

import (
	"github.com/gittix/ticketing/common/process"
	"github.com/gittix/ticketing/payments/app"
)

func main() { process.Main("payments", app.Run) }
