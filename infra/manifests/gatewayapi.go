package manifests

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gittix/ticketing/infra/devstack/gateway"
	corev1 "k8s.io/api/core/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// CheckGatewayAPI checks the Gateways and HTTPRoutes: every route's parent is a Gateway of the
// set and one of its listeners; every backend an existing Service and one of its ports; every
// hostname served by its listener; an HTTPS listener terminates TLS with a certificate; a route
// on an HTTP listener only redirects to https; every rule on HTTPS sets Strict-Transport-Security.
func CheckGatewayAPI(s Set) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	gws := s.Gateways()
	for _, g := range gws {
		for _, l := range g.Spec.Listeners {
			if l.Protocol == gatewayv1.HTTPSProtocolType && (l.TLS == nil || len(l.TLS.CertificateRefs) == 0) {
				fail("Gateway %s listener %s: HTTPS without a certificate", g.Name, l.Name)
			}
		}
	}
	for _, r := range s.HTTPRoutes() {
		id := "HTTPRoute " + r.Name
		if len(r.Spec.ParentRefs) == 0 {
			fail("%s: no parentRefs", id)
		}
		for _, ref := range r.Spec.ParentRefs {
			i := slices.IndexFunc(gws, func(g *gatewayv1.Gateway) bool { return g.Name == string(ref.Name) })
			if i < 0 {
				fail("%s: parent Gateway %q does not exist", id, ref.Name)
				continue
			}
			var listener *gatewayv1.Listener
			for j, l := range gws[i].Spec.Listeners {
				if ref.SectionName == nil || l.Name == *ref.SectionName {
					listener = &gws[i].Spec.Listeners[j]
				}
			}
			if listener == nil {
				fail("%s: Gateway %s has no listener %v", id, ref.Name, ref.SectionName)
				continue
			}
			for _, h := range r.Spec.Hostnames {
				if listener.Hostname == nil || *listener.Hostname != h {
					fail("%s: hostname %s is not the host of listener %s", id, h, listener.Name)
				}
			}
			for _, rule := range r.Spec.Rules {
				switch listener.Protocol {
				case gatewayv1.HTTPProtocolType:
					if len(rule.BackendRefs) > 0 || !slices.ContainsFunc(rule.Filters, func(f gatewayv1.HTTPRouteFilter) bool {
						return f.RequestRedirect != nil && f.RequestRedirect.Scheme != nil && *f.RequestRedirect.Scheme == "https"
					}) {
						fail("%s: on plain HTTP (listener %s) a rule must only redirect to https", id, listener.Name)
					}
				case gatewayv1.HTTPSProtocolType:
					if !setsHSTS(rule) {
						fail("%s: a rule sends no Strict-Transport-Security", id)
					}
				}
			}
		}
		for _, rule := range r.Spec.Rules {
			for _, b := range rule.BackendRefs {
				svc := s.Service(string(b.Name))
				if svc == nil || b.Kind != nil && *b.Kind != "Service" {
					fail("%s: backend Service %q does not exist", id, b.Name)
					continue
				}
				if b.Port == nil || !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == *b.Port }) {
					fail("%s: backend Service %s has no port %v", id, svc.Name, b.Port)
				}
			}
		}
	}
	return errors.Join(errs...)
}

func setsHSTS(rule gatewayv1.HTTPRouteRule) bool {
	for _, f := range rule.Filters {
		if f.ResponseHeaderModifier == nil {
			continue
		}
		for _, h := range slices.Concat(f.ResponseHeaderModifier.Set, f.ResponseHeaderModifier.Add) {
			if strings.EqualFold(string(h.Name), "Strict-Transport-Security") && strings.Contains(h.Value, "max-age=") &&
				!strings.Contains(h.Value, "max-age=0") {
				return true
			}
		}
	}
	return false
}

// CheckHTTPRoute checks that the rules of route are the make-dev gateway's routes — same
// prefixes (PathPrefix), same order, each to <service>-srv on port 3000 — and that, matched as
// the Gateway API matches (the longest prefix of whole segments wins), each of RouteSamples goes
// where the gateway sends it.
func CheckHTTPRoute(route *gatewayv1.HTTPRoute, routes []gateway.Route) error {
	var errs []error
	fail := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("HTTPRoute "+route.Name+": "+format, a...))
	}
	type prefixRoute struct{ prefix, service string }
	var table []prefixRoute
	if len(route.Spec.Rules) != len(routes) {
		fail("%d rules, the gateway has %d routes", len(route.Spec.Rules), len(routes))
	}
	for i, rule := range route.Spec.Rules {
		prefix, svc := "", ""
		if len(rule.Matches) != 1 || rule.Matches[0].Path == nil || rule.Matches[0].Path.Type == nil ||
			*rule.Matches[0].Path.Type != gatewayv1.PathMatchPathPrefix || rule.Matches[0].Path.Value == nil {
			fail("rule %d: want one PathPrefix match", i)
		} else {
			prefix = *rule.Matches[0].Path.Value
		}
		if len(rule.BackendRefs) != 1 {
			fail("rule %d: %d backends, want 1", i, len(rule.BackendRefs))
		} else {
			b := rule.BackendRefs[0]
			svc = string(b.Name)
			if b.Port == nil || *b.Port != AppPort {
				fail("rule %d: port %v, want %d", i, b.Port, AppPort)
			}
		}
		if i < len(routes) {
			if want := routes[i]; prefix != want.Prefix || svc != want.Service+"-srv" {
				fail("rule %d: %s → %s, the gateway has %s → %s-srv", i, prefix, svc, want.Prefix, want.Service)
			}
		}
		table = append(table, prefixRoute{prefix, svc})
	}
	for _, sample := range RouteSamples {
		got, best := "", -1
		for _, r := range table {
			p := strings.TrimSuffix(r.prefix, "/")
			if (r.prefix == "/" || sample == p || strings.HasPrefix(sample, p+"/")) && len(p) > best {
				got, best = r.service, len(p)
			}
		}
		if want := gateway.Match(sample) + "-srv"; got != want {
			fail("%s goes to %q, the gateway sends it to %s", sample, got, want)
		}
	}
	return errors.Join(errs...)
}
