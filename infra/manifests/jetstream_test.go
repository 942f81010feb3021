package manifests

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestJetStreamComponent renders prod with the JetStream component: every cross-check of the
// other environments holds, the broker is a 3-member nats-server cluster with JetStream on
// file storage, and every bus service runs with BUS=jetstream and 3 stream replicas.
func TestJetStreamComponent(t *testing.T) {
	t.Parallel()
	s := render(t, "infra/k8s-prod-jetstream")
	for name, err := range map[string]error{
		"workloads":         CheckWorkloads(s),
		"services":          CheckServices(s),
		"ingresses":         CheckIngresses(s),
		"secretKeyRefs":     CheckSecretRefs(s, Secrets),
		"service addresses": CheckServiceAddresses(s),
		"app containers":    CheckAppContainers(s, artifacts()),
		"images":            CheckImages(s, artifacts(), imagePrefix),
	} {
		if err != nil {
			t.Errorf("%s:\n%v", name, err)
		}
	}
	if err := CheckJetStream(s); err != nil {
		t.Error(err)
	}
}

// TestBrokenJetStreamComponent: the check fails on a copy without JetStream, with one replica,
// or with a service left on NATS Streaming.
func TestBrokenJetStreamComponent(t *testing.T) {
	t.Parallel()
	for name, breakIt := range map[string]func(s Set){
		"no --jetstream": func(s Set) {
			c := &s.StatefulSet("nats").Spec.Template.Spec.Containers[0]
			c.Args = slices.DeleteFunc(c.Args, func(a string) bool { return a == "--jetstream" })
		},
		"one member": func(s Set) { one := int32(1); s.StatefulSet("nats").Spec.Replicas = &one },
		"no PVC":     func(s Set) { s.StatefulSet("nats").Spec.VolumeClaimTemplates = nil },
		"orders on stan": func(s Set) {
			env := &s.Deployment("orders-depl").Spec.Template.Spec.Containers[0].Env
			*env = slices.DeleteFunc(*env, func(e corev1.EnvVar) bool { return e.Name == "BUS" })
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := render(t, "infra/k8s-prod-jetstream")
			breakIt(s)
			if err := CheckJetStream(s); err == nil {
				t.Error("CheckJetStream passed a broken copy")
			}
		})
	}
}
