// Package manifests loads the Kubernetes manifests, kustomize overlays, skaffold config,
// Dockerfiles and GitHub workflows of the repository and checks them against each other.
// No cluster, Docker engine or network is needed: everything is parsed and cross-checked.
//
// Every check is a function over parsed objects that returns nil or all the problems it found
// (joined with errors.Join), so tests can feed it broken copies and see it fail.
package manifests

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
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

// scheme knows the API groups the manifests may use. A kind outside it is an error.
var scheme = newScheme()

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, networkingv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, gatewayv1.Install,
	} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	s.AddKnownTypes(certManagerGV, &ClusterIssuer{})
	return s
}

// strictDecoder rejects unknown and duplicate fields and lists all of them in one error.
var strictDecoder = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

// Decode splits a multi-document YAML stream and decodes every document strictly into its
// Kubernetes API type. Empty documents are skipped.
func Decode(data []byte) ([]runtime.Object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []runtime.Object
	var errs []error
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if len(bytes.TrimSpace(stripCommentLines(doc))) == 0 {
			continue
		}
		obj, gvk, err := strictDecoder.Decode(doc, nil, nil)
		if err != nil {
			name := "document " + fmt.Sprint(i)
			if gvk != nil {
				name += " (" + gvk.Kind + ")"
			}
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		objs = append(objs, obj)
	}
	return objs, errors.Join(errs...)
}

func stripCommentLines(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out = append(out, line...)
		}
	}
	return out
}

// Render builds a kustomization directory with kustomize's Go API and returns the YAML stream.
func Render(dir string) ([]byte, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, fmt.Errorf("kustomize %s: %w", dir, err)
	}
	return out, nil
}

// RenderSet renders dir and decodes the result strictly.
func RenderSet(dir string) (Set, error) {
	out, err := Render(dir)
	if err != nil {
		return Set{}, err
	}
	objs, err := Decode(out)
	if err != nil {
		return Set{}, fmt.Errorf("render %s: %w", dir, err)
	}
	return Set{Objects: objs}, nil
}

// cert-manager is not part of k8s.io/api; this is the part of its ClusterIssuer the overlays
// use, strict like the rest (an unknown field fails).
var certManagerGV = schema.GroupVersion{Group: "cert-manager.io", Version: "v1"}

// ClusterIssuer is cert-manager.io/v1 ClusterIssuer, limited to ACME with HTTP-01.
type ClusterIssuer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              IssuerSpec `json:"spec"`
}

// IssuerSpec is the spec of a ClusterIssuer.
type IssuerSpec struct {
	ACME *ACMEIssuer `json:"acme,omitempty"`
}

// ACMEIssuer configures an ACME server such as Let's Encrypt.
type ACMEIssuer struct {
	Server              string       `json:"server"`
	Email               string       `json:"email,omitempty"`
	PrivateKeySecretRef SecretRef    `json:"privateKeySecretRef"`
	Solvers             []ACMESolver `json:"solvers"`
}

// SecretRef names a Secret (and optionally a key in it).
type SecretRef struct {
	Name string `json:"name"`
	Key  string `json:"key,omitempty"`
}

// ACMESolver is one challenge solver.
type ACMESolver struct {
	HTTP01 *ACMEHTTP01 `json:"http01,omitempty"`
}

// ACMEHTTP01 solves HTTP-01 challenges through an ingress or a Gateway API HTTPRoute.
type ACMEHTTP01 struct {
	Ingress          *ACMEHTTP01Ingress          `json:"ingress,omitempty"`
	GatewayHTTPRoute *ACMEHTTP01GatewayHTTPRoute `json:"gatewayHTTPRoute,omitempty"`
}

// ACMEHTTP01GatewayHTTPRoute serves the challenge through an HTTPRoute attached to parentRefs.
type ACMEHTTP01GatewayHTTPRoute struct {
	ParentRefs []gatewayv1.ParentReference `json:"parentRefs"`
}

// ACMEHTTP01Ingress selects the ingress class that serves the challenge.
type ACMEHTTP01Ingress struct {
	IngressClassName *string `json:"ingressClassName,omitempty"`
	Class            *string `json:"class,omitempty"`
}

// DeepCopyObject implements runtime.Object.
func (c *ClusterIssuer) DeepCopyObject() runtime.Object {
	out := *c
	c.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if c.Spec.ACME != nil {
		acme := *c.Spec.ACME
		acme.Solvers = nil
		for _, s := range c.Spec.ACME.Solvers {
			if s.HTTP01 != nil {
				h := *s.HTTP01
				if h.Ingress != nil {
					in := *h.Ingress
					h.Ingress = &in
				}
				if h.GatewayHTTPRoute != nil {
					g := ACMEHTTP01GatewayHTTPRoute{}
					for _, r := range h.GatewayHTTPRoute.ParentRefs {
						g.ParentRefs = append(g.ParentRefs, *r.DeepCopy())
					}
					h.GatewayHTTPRoute = &g
				}
				s.HTTP01 = &h
			}
			acme.Solvers = append(acme.Solvers, s)
		}
		out.Spec.ACME = &acme
	}
	return &out
}

// stripComments drops the comment lines (# …) of a YAML or NATS configuration text.
func stripComments(text string) string { return string(stripCommentLines([]byte(text))) }
