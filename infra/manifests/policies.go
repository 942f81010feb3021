package manifests

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// nsNameLabel is the label Kubernetes puts on every namespace, with its name.
const nsNameLabel = "kubernetes.io/metadata.name"

// Flow is one connection a pod of the app may open: From → To:Port, where To is a workload of
// the set or "ns:<namespace>" (another namespace) or "ip:<cidr>".
type Flow struct {
	From, To string
	Port     int32
}

func (f Flow) String() string { return fmt.Sprintf("%s → %s:%d", f.From, f.To, f.Port) }

// CheckNetworkPolicies checks the NetworkPolicies: a default deny of both directions for every
// pod, every workload selected by a policy of its own, and — evaluated as Kubernetes does, a
// connection needs the sender's egress and the receiver's ingress — exactly the flows of want
// between the workloads of the set, and from other namespaces only edge → HTTP ports (and
// from the namespaces of also, e.g. Prometheus's, to HTTP ports as well).
func CheckNetworkPolicies(s Set, want []Flow, edge string, also ...string) error {
	var errs []error
	pols := s.NetworkPolicies()
	if !slices.ContainsFunc(pols, func(p *networkingv1.NetworkPolicy) bool {
		return len(p.Spec.PodSelector.MatchLabels) == 0 && len(p.Spec.PodSelector.MatchExpressions) == 0 &&
			slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) &&
			slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) &&
			len(p.Spec.Ingress) == 0 && len(p.Spec.Egress) == 0
	}) {
		errs = append(errs, errors.New("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)"))
	}
	ws := s.Workloads()
	for _, p := range pols {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil || !slices.ContainsFunc(ws, func(w Workload) bool { return sel.Matches(labels.Set(w.Template.Labels)) }) {
			errs = append(errs, fmt.Errorf("NetworkPolicy %s selects no pod", p.Name))
		}
	}
	for _, w := range ws {
		own := false
		for _, p := range pols {
			sel, _ := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
			if !sel.Empty() && sel.Matches(labels.Set(w.Template.Labels)) {
				own = true
			}
		}
		if !own {
			errs = append(errs, fmt.Errorf("%s %s: no NetworkPolicy of its own selects its pods (only the default deny)", w.Kind, w.Name))
		}
	}
	got := map[Flow]bool{}
	for _, from := range ws {
		for _, to := range ws {
			for _, port := range declaredPorts(to) {
				if allowed(pols, from, to, port, networkingv1.PolicyTypeEgress) &&
					allowed(pols, to, from, port, networkingv1.PolicyTypeIngress) {
					got[Flow{from.Name, to.Name, port}] = true
				}
			}
		}
	}
	wanted := map[Flow]bool{}
	for _, f := range want {
		wanted[f] = true
		if !got[f] {
			errs = append(errs, fmt.Errorf("flow %s is not allowed", f))
		}
	}
	for _, f := range slices.SortedFunc(maps.Keys(got), func(a, b Flow) int { return strings.Compare(a.String(), b.String()) }) {
		if !wanted[f] {
			errs = append(errs, fmt.Errorf("flow %s is allowed, but not needed", f))
		}
	}
	// Ingress from outside the app: only the edge's namespace, only to ports named http.
	for _, p := range pols {
		for _, r := range p.Spec.Ingress {
			for _, peer := range r.From {
				switch {
				case peer.IPBlock != nil:
					errs = append(errs, fmt.Errorf("NetworkPolicy %s: ingress from ipBlock %s", p.Name, peer.IPBlock.CIDR))
				case peer.NamespaceSelector != nil:
					ns := peer.NamespaceSelector.MatchLabels[nsNameLabel]
					if ns != edge && !slices.Contains(also, ns) || len(peer.NamespaceSelector.MatchLabels) != 1 || len(peer.NamespaceSelector.MatchExpressions) > 0 {
						errs = append(errs, fmt.Errorf("NetworkPolicy %s: ingress from namespaces %v, only %s (the edge) may come in", p.Name, peer.NamespaceSelector, edge))
					}
					if len(r.Ports) == 0 || slices.ContainsFunc(r.Ports, func(pp networkingv1.NetworkPolicyPort) bool {
						return pp.Port == nil || pp.Port.Type != intstr.String || pp.Port.StrVal != "http"
					}) {
						errs = append(errs, fmt.Errorf("NetworkPolicy %s: the edge may reach ports other than http", p.Name))
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

func declaredPorts(w Workload) []int32 {
	var out []int32
	for _, c := range w.Template.Spec.Containers {
		for _, p := range c.Ports {
			out = append(out, p.ContainerPort)
		}
	}
	return out
}

// allowed reports whether the policies selecting self allow, in direction typ, a connection
// with peer on port (a port of the receiver: to in egress, self in ingress).
func allowed(pols []*networkingv1.NetworkPolicy, self, peer Workload, port int32, typ networkingv1.PolicyType) bool {
	receiver := peer
	if typ == networkingv1.PolicyTypeIngress {
		receiver = self
	}
	isolated := false
	for _, p := range pols {
		sel, err := metav1.LabelSelectorAsSelector(&p.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(self.Template.Labels)) || !slices.Contains(p.Spec.PolicyTypes, typ) {
			continue
		}
		isolated = true
		type rule struct {
			peers []networkingv1.NetworkPolicyPeer
			ports []networkingv1.NetworkPolicyPort
		}
		var rules []rule
		for _, r := range p.Spec.Ingress {
			if typ == networkingv1.PolicyTypeIngress {
				rules = append(rules, rule{r.From, r.Ports})
			}
		}
		for _, r := range p.Spec.Egress {
			if typ == networkingv1.PolicyTypeEgress {
				rules = append(rules, rule{r.To, r.Ports})
			}
		}
		for _, r := range rules {
			if peerMatches(r.peers, peer) && portMatches(r.ports, receiver, port) {
				return true
			}
		}
	}
	return !isolated
}

// peerMatches: an empty list matches everything; a peer with only a podSelector matches pods of
// the same namespace (the app's).
func peerMatches(peers []networkingv1.NetworkPolicyPeer, w Workload) bool {
	if len(peers) == 0 {
		return true
	}
	for _, p := range peers {
		if p.PodSelector == nil || p.NamespaceSelector != nil || p.IPBlock != nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(p.PodSelector)
		if err == nil && sel.Matches(labels.Set(w.Template.Labels)) {
			return true
		}
	}
	return false
}

func portMatches(ports []networkingv1.NetworkPolicyPort, receiver Workload, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if p.Protocol != nil && *p.Protocol != corev1.ProtocolTCP {
			continue
		}
		if p.Port == nil {
			return true
		}
		for _, c := range receiver.Template.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.ContainerPort == port && (p.Port.Type == intstr.Int && p.Port.IntVal == port ||
					p.Port.Type == intstr.String && p.Port.StrVal == cp.Name) {
					return true
				}
			}
		}
	}
	return false
}
