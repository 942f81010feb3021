package manifests

import (
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// AppPort is the port every service listens on in Kubernetes (env PORT).
const AppPort = 3000

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
