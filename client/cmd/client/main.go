// Command client serves the GitTix web pages (SPEC §9).
package main

import (
	"github.com/gittix/ticketing/client/app"
	"github.com/gittix/ticketing/common/process"
)

func main() { process.Main("client", app.Run) }
