// Package gateway routes requests to the services by path prefix, exactly as
// the Kubernetes ingress does (SPEC §1). It is what `make dev` serves.
package gateway

import "strings"

// Route sends every path under Prefix to Service.
type Route struct {
	Prefix  string // a path prefix such as "/api/users"; "/" matches everything
	Service string // the service's name: auth, tickets, orders, payments, client
}

// Routes is the routing table, in the order it is matched. The ingress
// manifest under infra/k8s-dev must list the same prefixes in the same order;
// a test in infra/manifests checks that.
var Routes = []Route{
	{Prefix: "/api/payments", Service: "payments"},
	{Prefix: "/api/users", Service: "auth"},
	{Prefix: "/api/tickets", Service: "tickets"},
	{Prefix: "/api/orders", Service: "orders"},
	{Prefix: "/", Service: "client"},
}

// Match returns the service that serves path.
func Match(path string) string {
	for _, r := range Routes {
		if r.Prefix == "/" || path == r.Prefix || strings.HasPrefix(path, r.Prefix+"/") {
			return r.Service
		}
	}
	return ""
}
