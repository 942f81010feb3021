package manifests

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Set is the decoded content of one rendered environment (or one file).
type Set struct {
	Objects []runtime.Object
}

// Workload is what the checks need of a Deployment or a StatefulSet.
type Workload struct {
	Kind, Name     string
	Replicas       int32
	Selector       *metav1.LabelSelector
	Template       *corev1.PodTemplateSpec
	ServiceName    string // StatefulSet only
	ClaimTemplates []corev1.PersistentVolumeClaim
}

// Workloads returns the Deployments and StatefulSets, in input order.
func (s Set) Workloads() []Workload {
	var ws []Workload
	for _, o := range s.Objects {
		switch o := o.(type) {
		case *appsv1.Deployment:
			ws = append(ws, Workload{Kind: "Deployment", Name: o.Name, Replicas: replicas(o.Spec.Replicas),
				Selector: o.Spec.Selector, Template: &o.Spec.Template})
		case *appsv1.StatefulSet:
			ws = append(ws, Workload{Kind: "StatefulSet", Name: o.Name, Replicas: replicas(o.Spec.Replicas),
				Selector: o.Spec.Selector, Template: &o.Spec.Template, ServiceName: o.Spec.ServiceName,
				ClaimTemplates: o.Spec.VolumeClaimTemplates})
		}
	}
	return ws
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// Deployment returns the Deployment called name, or nil.
func (s Set) Deployment(name string) *appsv1.Deployment {
	for _, o := range s.Objects {
		if d, ok := o.(*appsv1.Deployment); ok && d.Name == name {
			return d
		}
	}
	return nil
}

// Services returns the Services.
func (s Set) Services() []*corev1.Service {
	var out []*corev1.Service
	for _, o := range s.Objects {
		if v, ok := o.(*corev1.Service); ok {
			out = append(out, v)
		}
	}
	return out
}

// Service returns the Service called name, or nil.
func (s Set) Service(name string) *corev1.Service {
	for _, v := range s.Services() {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Ingresses returns the Ingresses.
func (s Set) Ingresses() []*networkingv1.Ingress {
	var out []*networkingv1.Ingress
	for _, o := range s.Objects {
		if v, ok := o.(*networkingv1.Ingress); ok {
			out = append(out, v)
		}
	}
	return out
}

// ClusterIssuers returns the cert-manager ClusterIssuers.
func (s Set) ClusterIssuers() []*ClusterIssuer {
	var out []*ClusterIssuer
	for _, o := range s.Objects {
		if v, ok := o.(*ClusterIssuer); ok {
			out = append(out, v)
		}
	}
	return out
}

// Containers returns every container (init containers included) of every workload.
func (s Set) Containers() []Container {
	var out []Container
	for _, w := range s.Workloads() {
		spec := &w.Template.Spec
		for i := range spec.InitContainers {
			out = append(out, Container{Workload: w, Container: &spec.InitContainers[i]})
		}
		for i := range spec.Containers {
			out = append(out, Container{Workload: w, Container: &spec.Containers[i]})
		}
	}
	return out
}

// Container is a container with the workload it belongs to.
type Container struct {
	Workload Workload
	*corev1.Container
}

func (c Container) String() string {
	return c.Workload.Kind + " " + c.Workload.Name + " container " + c.Name
}

// Env returns the literal value of the environment variable name, and whether it is set.
func (c Container) Env(name string) (corev1.EnvVar, bool) {
	for _, e := range c.Container.Env {
		if e.Name == name {
			return e, true
		}
	}
	return corev1.EnvVar{}, false
}

// all returns the objects of type T, in input order.
func all[T any](s Set) []T {
	var out []T
	for _, o := range s.Objects {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// NetworkPolicies returns the NetworkPolicies.
func (s Set) NetworkPolicies() []*networkingv1.NetworkPolicy {
	return all[*networkingv1.NetworkPolicy](s)
}

// Gateways returns the Gateway API Gateways.
func (s Set) Gateways() []*gatewayv1.Gateway { return all[*gatewayv1.Gateway](s) }

// HTTPRoutes returns the Gateway API HTTPRoutes.
func (s Set) HTTPRoutes() []*gatewayv1.HTTPRoute { return all[*gatewayv1.HTTPRoute](s) }

// PodDisruptionBudgets returns the PodDisruptionBudgets.
func (s Set) PodDisruptionBudgets() []*policyv1.PodDisruptionBudget {
	return all[*policyv1.PodDisruptionBudget](s)
}

// HorizontalPodAutoscalers returns the HorizontalPodAutoscalers.
func (s Set) HorizontalPodAutoscalers() []*autoscalingv2.HorizontalPodAutoscaler {
	return all[*autoscalingv2.HorizontalPodAutoscaler](s)
}

// ConfigMap returns the ConfigMap called name, or nil.
func (s Set) ConfigMap(name string) *corev1.ConfigMap {
	for _, c := range all[*corev1.ConfigMap](s) {
		if c.Name == name {
			return c
		}
	}
	return nil
}
