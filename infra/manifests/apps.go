package manifests

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/util/intstr"
)

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
