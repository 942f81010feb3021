// Package e2e holds the end-to-end tests: the whole app, started in-process
// the way `make dev` starts it, driven through its gateway by an API client
// and by headless Chromium.
package e2e
