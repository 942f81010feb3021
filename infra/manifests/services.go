package manifests

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// CheckServices checks that every Service selects the pods of at least one workload and that
// each of its ports targets a port those pods declare.
func CheckServices(s Set) error {
	var errs []error
	for _, svc := range s.Services() {
		id := "Service " + svc.Name
		if len(svc.Spec.Selector) == 0 {
			errs = append(errs, fmt.Errorf("%s: no selector", id))
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		var matched []Workload
		for _, w := range s.Workloads() {
			if sel.Matches(labels.Set(w.Template.Labels)) {
				matched = append(matched, w)
			}
		}
		if len(matched) == 0 {
			errs = append(errs, fmt.Errorf("%s: selector %s matches no workload's pods", id, sel))
			continue
		}
		if len(svc.Spec.Ports) == 0 {
			errs = append(errs, fmt.Errorf("%s: no ports", id))
		}
		for _, p := range svc.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port)
			}
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			for _, w := range matched {
				found := false
				for i := range w.Template.Spec.Containers {
					if containerHasPort(&w.Template.Spec.Containers[i], target, proto) {
						found = true
					}
				}
				if !found {
					errs = append(errs, fmt.Errorf("%s: port %d targets %s, which %s %s does not declare",
						id, p.Port, target.String(), w.Kind, w.Name))
				}
			}
		}
	}
	return errors.Join(errs...)
}

// CheckServiceAddresses checks that every in-cluster URL in an environment variable
// (scheme://name:port/…, name without dots) names a Service of the set that exposes that port.
func CheckServiceAddresses(s Set) error {
	var errs []error
	for _, c := range s.Containers() {
		for _, e := range c.Container.Env {
			u, err := url.Parse(e.Value)
			if e.ValueFrom != nil || err != nil || u.Scheme == "" || u.Host == "" {
				continue
			}
			host, portStr, err := net.SplitHostPort(u.Host)
			if err != nil {
				host, portStr = u.Host, map[string]string{"http": "80", "https": "443"}[u.Scheme]
			}
			if strings.Contains(host, ".") {
				continue // another namespace or outside the cluster
			}
			port, _ := strconv.Atoi(portStr)
			svc := s.Service(host)
			if svc == nil {
				errs = append(errs, fmt.Errorf("%s: env %s=%s: no Service %q", c, e.Name, e.Value, host))
				continue
			}
			if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return int(p.Port) == port }) {
				errs = append(errs, fmt.Errorf("%s: env %s=%s: Service %s has no port %s", c, e.Name, e.Value, host, portStr))
			}
		}
	}
	return errors.Join(errs...)
}
