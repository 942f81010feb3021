package manifests

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
)

// BusServices are the services that talk on the bus, and so follow BUS.
var BusServices = []string{"tickets", "orders", "expiration", "payments"}

// CheckJetStream checks an environment rendered with the JetStream component: the broker is a
// nats-server cluster of 3 with JetStream on file storage kept on PersistentVolumeClaims, and
// every bus service runs with BUS=jetstream and streams of 3 replicas.
func CheckJetStream(s Set) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	nats := s.StatefulSet("nats")
	switch {
	case nats == nil:
		fail("no StatefulSet nats")
	default:
		if replicas(nats.Spec.Replicas) != 3 {
			fail("StatefulSet nats: %d replicas, want 3 (a JetStream cluster keeping 3 copies)", replicas(nats.Spec.Replicas))
		}
		if len(nats.Spec.VolumeClaimTemplates) == 0 {
			fail("StatefulSet nats: no PersistentVolumeClaim for JetStream's file store")
		}
		c := nats.Spec.Template.Spec.Containers
		if len(c) == 0 || !slices.Contains(c[0].Args, "--jetstream") || !slices.ContainsFunc(c[0].Args, func(a string) bool { return strings.HasPrefix(a, "--store_dir=/data") }) {
			fail("StatefulSet nats: not nats-server with --jetstream and a --store_dir on its volume")
		}
	}
	for _, svc := range BusServices {
		d := s.Deployment(svc + "-depl")
		if d == nil {
			fail("no Deployment %s-depl", svc)
			continue
		}
		env := map[string]string{}
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
		}
		if env["BUS"] != "jetstream" || env["BUS_STREAM_REPLICAS"] != "3" {
			fail("Deployment %s-depl: BUS=%q BUS_STREAM_REPLICAS=%q, want jetstream and 3", svc, env["BUS"], env["BUS_STREAM_REPLICAS"])
		}
	}
	return errors.Join(errs...)
}

// StatefulSet returns the StatefulSet called name, or nil.
func (s Set) StatefulSet(name string) *appsv1.StatefulSet {
	for _, o := range s.Objects {
		if st, ok := o.(*appsv1.StatefulSet); ok && st.Name == name {
			return st
		}
	}
	return nil
}
