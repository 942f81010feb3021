package manifests

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gittix/ticketing/infra/devstack/gateway"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// AppPort is the port every service listens on in Kubernetes (env PORT).
const AppPort = 3000

// Secrets are the only secrets the manifests may read: name → the one documented key.
var Secrets = map[string]string{
	"jwt-secret":    "JWT_KEY",
	"stripe-secret": "STRIPE_KEY",
}

// CheckWorkloads checks every Deployment and StatefulSet on its own: the selector matches the
// pod labels; every container runs non-root with a read-only root filesystem, no privilege
// escalation and no capabilities, has resource requests and limits and both probes on a
// declared port; every volume mount resolves; a StatefulSet names a headless Service and keeps
// its data on a PersistentVolumeClaim.
func CheckWorkloads(s Set) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	for _, w := range s.Workloads() {
		id := w.Kind + " " + w.Name
		sel, err := metav1.LabelSelectorAsSelector(w.Selector)
		switch {
		case err != nil:
			fail("%s: selector: %v", id, err)
		case w.Selector == nil || sel.Empty():
			fail("%s: empty selector", id)
		case !sel.Matches(labels.Set(w.Template.Labels)):
			fail("%s: selector %s does not match its pod labels %v", id, sel, w.Template.Labels)
		}
		spec := &w.Template.Spec
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			fail("%s: automountServiceAccountToken must be false (no pod talks to the API server)", id)
		}
		volumes := map[string]bool{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = true
		}
		for _, c := range w.ClaimTemplates {
			volumes[c.Name] = true
		}
		for _, c := range s.Containers() {
			if c.Workload.Kind != w.Kind || c.Workload.Name != w.Name {
				continue
			}
			errs = append(errs, checkContainer(c, spec, volumes))
		}
		if w.Kind == "StatefulSet" {
			svc := s.Service(w.ServiceName)
			switch {
			case svc == nil:
				fail("%s: serviceName %q names no Service", id, w.ServiceName)
			case svc.Spec.ClusterIP != corev1.ClusterIPNone:
				fail("%s: serviceName %q is not a headless Service (clusterIP: None)", id, w.ServiceName)
			}
			if len(w.ClaimTemplates) == 0 {
				fail("%s: no volumeClaimTemplates: its data would not survive a restart", id)
			}
			for _, ct := range w.ClaimTemplates {
				if !mounted(spec, ct.Name) {
					fail("%s: volume claim %q is not mounted by any container", id, ct.Name)
				}
				if ct.Spec.Resources.Requests.Storage().IsZero() {
					fail("%s: volume claim %q requests no storage", id, ct.Name)
				}
			}
		}
	}
	return errors.Join(errs...)
}

func mounted(spec *corev1.PodSpec, volume string) bool {
	for _, c := range spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.Name == volume {
				return true
			}
		}
	}
	return false
}

func checkContainer(c Container, pod *corev1.PodSpec, volumes map[string]bool) error {
	var errs []error
	fail := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{c}, a...)...))
	}
	sc := c.SecurityContext
	psc := pod.SecurityContext
	nonRoot := (sc != nil && sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) ||
		((sc == nil || sc.RunAsNonRoot == nil) && psc != nil && psc.RunAsNonRoot != nil && *psc.RunAsNonRoot)
	if !nonRoot {
		fail("runAsNonRoot is not true")
	}
	uid := (*int64)(nil)
	if psc != nil {
		uid = psc.RunAsUser
	}
	if sc != nil && sc.RunAsUser != nil {
		uid = sc.RunAsUser
	}
	if uid != nil && *uid == 0 {
		fail("runAsUser is 0 (root)")
	}
	switch {
	case sc == nil:
		fail("no securityContext")
	default:
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail("allowPrivilegeEscalation is not false")
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			fail("readOnlyRootFilesystem is not true")
		}
		if sc.Privileged != nil && *sc.Privileged {
			fail("privileged")
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			fail("capabilities do not drop ALL")
		} else if len(sc.Capabilities.Add) > 0 {
			fail("adds capabilities %v", sc.Capabilities.Add)
		}
	}
	for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := c.Resources.Requests[res]; !ok || q.IsZero() {
			fail("no %s request", res)
		}
		if q, ok := c.Resources.Limits[res]; !ok || q.IsZero() {
			fail("no %s limit", res)
		} else if r, ok := c.Resources.Requests[res]; ok && r.Cmp(q) > 0 {
			fail("%s request %s above its limit %s", res, r.String(), q.String())
		}
	}
	for name, p := range map[string]*corev1.Probe{"readinessProbe": c.ReadinessProbe, "livenessProbe": c.LivenessProbe} {
		if p == nil {
			fail("no %s", name)
			continue
		}
		var port *intstr.IntOrString
		switch {
		case p.HTTPGet != nil:
			port = &p.HTTPGet.Port
		case p.TCPSocket != nil:
			port = &p.TCPSocket.Port
		case p.Exec != nil:
			if len(p.Exec.Command) == 0 {
				fail("%s: empty exec command", name)
			}
		default:
			fail("%s: no handler", name)
		}
		if port != nil && !containerHasPort(c.Container, *port, corev1.ProtocolTCP) {
			fail("%s: port %s is not a declared container port", name, port.String())
		}
	}
	for _, m := range c.VolumeMounts {
		if !volumes[m.Name] {
			fail("volumeMount %q names no volume", m.Name)
		}
	}
	return errors.Join(errs...)
}

func containerHasPort(c *corev1.Container, port intstr.IntOrString, proto corev1.Protocol) bool {
	for _, p := range c.Ports {
		pp := p.Protocol
		if pp == "" {
			pp = corev1.ProtocolTCP
		}
		if pp != proto {
			continue
		}
		if port.Type == intstr.String && p.Name == port.StrVal || port.Type == intstr.Int && p.ContainerPort == port.IntVal {
			return true
		}
	}
	return false
}

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

// CheckSecretRefs checks that every secret a container reads is one of allowed (name → key),
// read by its documented key. envFrom and secret volumes are not used and are reported.
func CheckSecretRefs(s Set, allowed map[string]string) error {
	var errs []error
	for _, c := range s.Containers() {
		for _, e := range c.Container.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			key, ok := allowed[ref.Name]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: env %s reads unknown secret %q", c, e.Name, ref.Name))
			case ref.Key != key:
				errs = append(errs, fmt.Errorf("%s: env %s reads key %q of secret %s, want %q", c, e.Name, ref.Key, ref.Name, key))
			case e.Name != key:
				errs = append(errs, fmt.Errorf("%s: secret %s/%s is bound to env %s, want %s", c, ref.Name, key, e.Name, key))
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil {
				errs = append(errs, fmt.Errorf("%s: envFrom secret %q (read single keys with secretKeyRef)", c, ef.SecretRef.Name))
			}
		}
	}
	for _, w := range s.Workloads() {
		for _, v := range w.Template.Spec.Volumes {
			if v.Secret != nil {
				errs = append(errs, fmt.Errorf("%s %s: secret volume %q", w.Kind, w.Name, v.Secret.SecretName))
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

// CheckAppContainers checks the containers built from our own images (artifacts): they listen
// on PORT=3000 as the declared port "http", probe /readyz and /healthz there, and, when they
// use NATS, take NATS_CLIENT_ID from the pod name and the cluster id the NATS server runs with.
func CheckAppContainers(s Set, artifacts []string) error {
	var errs []error
	fail := func(c Container, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{c}, a...)...))
	}
	clusterID := natsClusterID(s)
	for _, c := range s.Containers() {
		if !slices.Contains(artifacts, imageName(c.Image)) {
			continue
		}
		if e, ok := c.Env("PORT"); !ok || e.Value != strconv.Itoa(AppPort) {
			fail(c, "PORT is not %d", AppPort)
		}
		if !containerHasPort(c.Container, intstr.FromString("http"), corev1.ProtocolTCP) ||
			!containerHasPort(c.Container, intstr.FromInt32(AppPort), corev1.ProtocolTCP) {
			fail(c, "does not declare port http = %d", AppPort)
		}
		for path, p := range map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe} {
			if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
				fail(c, "probe for %s missing or not an HTTP GET of %s", path, path)
			}
		}
		if _, ok := c.Env("NATS_URL"); ok {
			if e, ok := c.Env("NATS_CLIENT_ID"); !ok || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil ||
				e.ValueFrom.FieldRef.FieldPath != "metadata.name" {
				fail(c, "NATS_CLIENT_ID does not come from metadata.name")
			}
			// NATS_CLUSTER_ID names a NATS Streaming cluster; JetStream has none.
			bus, _ := c.Env("BUS")
			if e, ok := c.Env("NATS_CLUSTER_ID"); bus.Value != "jetstream" && (!ok || e.Value != clusterID) {
				fail(c, "NATS_CLUSTER_ID %q differs from the NATS server's -cid %q", e.Value, clusterID)
			}
		}
	}
	return errors.Join(errs...)
}

// natsClusterID returns the -cid argument of the nats-streaming container, if any.
func natsClusterID(s Set) string {
	for _, c := range s.Containers() {
		if !strings.HasPrefix(c.Image, "nats-streaming:") {
			continue
		}
		args := append(slices.Clone(c.Command), c.Args...)
		for i, a := range args {
			if (a == "-cid" || a == "--cluster_id") && i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	return ""
}

// imageName strips the tag and digest: "gittix/auth:abc" → "gittix/auth".
func imageName(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// CheckImages checks that every image of the set is a skaffold artifact or a third-party image
// pinned to a tag other than latest, and that every artifact is used.
func CheckImages(s Set, artifacts []string, ownPrefix string) error {
	var errs []error
	used := map[string]bool{}
	for _, c := range s.Containers() {
		name := imageName(c.Image)
		switch {
		case slices.Contains(artifacts, name):
			used[name] = true
		case strings.HasPrefix(name, ownPrefix):
			errs = append(errs, fmt.Errorf("%s: image %s is not a skaffold artifact", c, c.Image))
		case name == c.Image || strings.HasSuffix(c.Image, ":latest"):
			errs = append(errs, fmt.Errorf("%s: third-party image %s is not pinned to a version", c, c.Image))
		}
	}
	for _, a := range artifacts {
		if !used[a] {
			errs = append(errs, fmt.Errorf("skaffold artifact %s is used by no container", a))
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
