package manifests

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/gittix/ticketing/infra/devstack/gateway"
	networkingv1 "k8s.io/api/networking/v1"
)

// CheckIngresses checks every Ingress: class nginx, every backend names an existing Service and
// one of its ports, TLS (if any) covers every host, and a cert-manager issuer it names exists.
func CheckIngresses(s Set) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, ing := range s.Ingresses() {
		id := "Ingress " + ing.Name
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
			fail("%s: ingressClassName is not nginx", id)
		}
		var backends []*networkingv1.IngressBackend
		if ing.Spec.DefaultBackend != nil {
			backends = append(backends, ing.Spec.DefaultBackend)
		}
		tlsHosts := map[string]bool{}
		for _, t := range ing.Spec.TLS {
			if t.SecretName == "" {
				fail("%s: TLS entry without secretName", id)
			}
			for _, h := range t.Hosts {
				tlsHosts[h] = true
			}
		}
		for _, r := range ing.Spec.Rules {
			if r.Host == "" {
				fail("%s: rule without host", id)
			}
			if len(ing.Spec.TLS) > 0 && !tlsHosts[r.Host] {
				fail("%s: host %s has no TLS entry", id, r.Host)
			}
			if r.HTTP == nil {
				fail("%s: rule for %s has no paths", id, r.Host)
				continue
			}
			for i := range r.HTTP.Paths {
				backends = append(backends, &r.HTTP.Paths[i].Backend)
			}
		}
		for _, b := range backends {
			if b.Service == nil {
				fail("%s: backend is not a Service", id)
				continue
			}
			svc := s.Service(b.Service.Name)
			if svc == nil {
				fail("%s: backend Service %q does not exist", id, b.Service.Name)
				continue
			}
			ok := false
			for _, p := range svc.Spec.Ports {
				if b.Service.Port.Name != "" && p.Name == b.Service.Port.Name ||
					b.Service.Port.Name == "" && p.Port == b.Service.Port.Number {
					ok = true
				}
			}
			if !ok {
				fail("%s: backend Service %s has no port %s%d", id, svc.Name, b.Service.Port.Name, b.Service.Port.Number)
			}
		}
		if issuer, ok := ing.Annotations["cert-manager.io/cluster-issuer"]; ok {
			found := false
			for _, ci := range s.ClusterIssuers() {
				if ci.Name == issuer {
					found = true
					if ci.Spec.ACME == nil || len(ci.Spec.ACME.Solvers) == 0 {
						fail("ClusterIssuer %s: no ACME solvers", ci.Name)
					}
				}
			}
			if !found {
				fail("%s: ClusterIssuer %q does not exist", id, issuer)
			}
			if len(ing.Spec.TLS) == 0 {
				fail("%s: asks cert-manager for a certificate but has no TLS section", id)
			}
		}
	}
	return errors.Join(errs...)
}

// IngressPrefix turns an ingress regex path into the prefix it stands for:
// "/api/users(/|$)(.*)" → "/api/users", "/(.*)" → "/".
func IngressPrefix(path string) (string, error) {
	if path == "/(.*)" {
		return "/", nil
	}
	prefix, ok := strings.CutSuffix(path, "(/|$)(.*)")
	if !ok || !strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, `()[]|$^*+?\.{}`) {
		return "", fmt.Errorf("path %q is not of the form /prefix(/|$)(.*) or /(.*)", path)
	}
	return prefix, nil
}

// RouteSamples are request paths on which the ingress and the gateway must agree.
var RouteSamples = []string{
	"/", "/auth/signin", "/tickets/new", "/orders", "/orders/64b000000000000000000001",
	"/api/users", "/api/users/signup", "/api/users/currentuser", "/api/usersx",
	"/api/tickets", "/api/tickets/64b000000000000000000001", "/api/orders", "/api/orders/1",
	"/api/payments", "/api/payments/", "/api/paymentsfoo", "/api", "/api/unknown",
}

// CheckRoutes checks that the ingress's paths are the gateway's routes — same prefixes, same
// order, each to the Service <service>-srv on port 3000 — and that, matched the way
// ingress-nginx matches regex paths, they send each of RouteSamples where the gateway does.
func CheckRoutes(ing *networkingv1.Ingress, routes []gateway.Route) error {
	var errs []error
	if ing.Annotations["nginx.ingress.kubernetes.io/use-regex"] != "true" {
		errs = append(errs, fmt.Errorf("Ingress %s: regex paths need nginx.ingress.kubernetes.io/use-regex: \"true\"", ing.Name))
	}
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		paths := rule.HTTP.Paths
		if len(paths) != len(routes) {
			errs = append(errs, fmt.Errorf("Ingress %s host %s: %d paths, the gateway has %d routes", ing.Name, rule.Host, len(paths), len(routes)))
		}
		type compiled struct {
			re      *regexp.Regexp
			service string
		}
		var res []compiled
		for i, p := range paths {
			prefix, err := IngressPrefix(p.Path)
			if err != nil {
				errs = append(errs, fmt.Errorf("Ingress %s path %d: %w", ing.Name, i, err))
				prefix = p.Path
			}
			if p.PathType == nil || *p.PathType != networkingv1.PathTypeImplementationSpecific {
				errs = append(errs, fmt.Errorf("Ingress %s path %s: regex paths need pathType ImplementationSpecific", ing.Name, p.Path))
			}
			svc := ""
			if p.Backend.Service != nil {
				svc = p.Backend.Service.Name
				if p.Backend.Service.Port.Number != AppPort {
					errs = append(errs, fmt.Errorf("Ingress %s path %s: port %d, want %d", ing.Name, p.Path, p.Backend.Service.Port.Number, AppPort))
				}
			}
			if i < len(routes) {
				if want := routes[i]; prefix != want.Prefix || svc != want.Service+"-srv" {
					errs = append(errs, fmt.Errorf("Ingress %s path %d: %s → %s, the gateway has %s → %s-srv",
						ing.Name, i, prefix, svc, want.Prefix, want.Service))
				}
			}
			// ingress-nginx renders regex paths as case-insensitive "location ~* ^PATH".
			re, err := regexp.Compile("(?i)^" + p.Path)
			if err != nil {
				errs = append(errs, fmt.Errorf("Ingress %s path %s: %w", ing.Name, p.Path, err))
				continue
			}
			res = append(res, compiled{re, svc})
		}
		for _, sample := range RouteSamples {
			got := ""
			for _, c := range res {
				if c.re.MatchString(sample) {
					got = c.service
					break
				}
			}
			if want := gateway.Match(sample) + "-srv"; got != want {
				errs = append(errs, fmt.Errorf("Ingress %s: %s goes to %q, the gateway sends it to %s", ing.Name, sample, got, want))
			}
		}
	}
	return errors.Join(errs...)
}

// CheckTLSRedirect checks that every Ingress with TLS redirects plain HTTP to HTTPS
// (ssl-redirect and force-ssl-redirect "true"): a first visit never posts a form over HTTP.
func CheckTLSRedirect(s Set) error {
	var errs []error
	for _, ing := range s.Ingresses() {
		if len(ing.Spec.TLS) == 0 {
			continue
		}
		for _, a := range []string{"nginx.ingress.kubernetes.io/ssl-redirect", "nginx.ingress.kubernetes.io/force-ssl-redirect"} {
			if ing.Annotations[a] != "true" {
				errs = append(errs, fmt.Errorf("Ingress %s: %s is %q, want \"true\"", ing.Name, a, ing.Annotations[a]))
			}
		}
	}
	return errors.Join(errs...)
}
