// Command auth is the auth service: sign up, sign in, sign out, current user.
package main

import (
	"github.com/gittix/ticketing/auth/app"
	"github.com/gittix/ticketing/common/process"
)

func main() { process.Main("auth", app.Run) }
