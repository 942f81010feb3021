// Command notifications runs the notifications service.
package main

import (
	"github.com/gittix/ticketing/common/process"
	"github.com/gittix/ticketing/notifications/app"
)

func main() { process.Main("notifications", app.Run) }
