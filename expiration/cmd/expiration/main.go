// Command expiration runs the expiration service.
package main

import (
	"github.com/gittix/ticketing/common/process"
	"github.com/gittix/ticketing/expiration/app"
)

func main() { process.Main("expiration", app.Run) }
