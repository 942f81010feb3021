package manifests

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/gittix/ticketing/infra/devstack/gateway"
)

// CheckClientAPIs checks that the web client calls every API prefix of routes directly at the
// in-cluster Service of the workload that serves it (<SERVICE>_API_URL=http://<svc>:<port>), and
// never through the public edge (no API_BASE_URL): the edge's way back in is a detour over the
// internet, and on plain HTTP it would carry the session cookie in the clear.
func CheckClientAPIs(s Set, routes []gateway.Route) error {
	i := slices.IndexFunc(s.Containers(), func(c Container) bool { return c.Workload.Name == "client-depl" })
	if i < 0 {
		return errors.New("no Deployment client-depl")
	}
	c := s.Containers()[i]
	var errs []error
	if e, ok := c.Env("API_BASE_URL"); ok {
		errs = append(errs, fmt.Errorf("%s: API_BASE_URL=%s: the client calls the API services in the cluster, not the edge", c, e.Value))
	}
	for _, r := range routes {
		if r.Service == "client" {
			continue
		}
		name := strings.ToUpper(r.Service) + "_API_URL"
		e, ok := c.Env(name)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: no %s: %s would go through the edge", c, name, r.Prefix))
			continue
		}
		u, err := url.Parse(e.Value)
		if err != nil || u.Scheme != "http" {
			errs = append(errs, fmt.Errorf("%s: %s=%s is not an http:// URL of a Service", c, name, e.Value))
			continue
		}
		host, _, _ := net.SplitHostPort(u.Host)
		svc := s.Service(host)
		if svc == nil {
			errs = append(errs, fmt.Errorf("%s: %s=%s: no Service %q in the cluster", c, name, e.Value, host))
			continue
		}
		d := s.Deployment(r.Service + "-depl")
		if sel := labels.SelectorFromSet(svc.Spec.Selector); d == nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			errs = append(errs, fmt.Errorf("%s: %s=%s: Service %s does not select the pods of %s-depl, which serve %s",
				c, name, e.Value, host, r.Service, r.Prefix))
		}
	}
	return errors.Join(errs...)
}
