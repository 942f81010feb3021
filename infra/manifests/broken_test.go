package manifests

// These tests break a copy of a real manifest, Dockerfile, skaffold.yaml or workflow on purpose
// and assert that the check reports it: proof that the checks in manifests_test.go can fail.

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gittix/ticketing/infra/devstack/gateway"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

func wantErr(t *testing.T, err error, substrs ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the check passed; want an error mentioning %q", substrs)
	}
	for _, s := range substrs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not mention %q:\n%v", s, err)
		}
	}
}

func container(s Set, deployment string) *corev1.Container {
	return &s.Deployment(deployment).Spec.Template.Spec.Containers[0]
}

func statefulSet(s Set, name string) *appsv1.StatefulSet {
	for _, o := range s.Objects {
		if ss, ok := o.(*appsv1.StatefulSet); ok && ss.Name == name {
			return ss
		}
	}
	return nil
}

func setEnv(c *corev1.Container, name string, v corev1.EnvVar) {
	for i := range c.Env {
		if c.Env[i].Name == name {
			v.Name = name
			c.Env[i] = v
		}
	}
}

// TestBrokenFieldFailsStrictDecoding misspells fields of a real base file.
func TestBrokenFieldFailsStrictDecoding(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, "infra/k8s/auth-depl.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(data); err != nil {
		t.Fatalf("the unbroken file must decode: %v", err)
	}
	broken := strings.Replace(string(data), "containerPort:", "containerPorts:", 1)
	broken = strings.Replace(broken, "readOnlyRootFilesystem:", "readOnlyRootFileSystem:", 1)
	_, err = Decode([]byte(broken))
	wantErr(t, err, `unknown field "spec.template.spec.containers[0].ports[0].containerPorts"`,
		`readOnlyRootFileSystem`)
	if !runtime.IsStrictDecodingError(unwrapAll(err)) {
		t.Errorf("want a strict decoding error, got %T", err)
	}
	_, err = Decode([]byte("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"))
	wantErr(t, err, "Widget")
}

func unwrapAll(err error) error {
	for {
		var next error
		switch e := err.(type) {
		case interface{ Unwrap() []error }:
			if errs := e.Unwrap(); len(errs) > 0 {
				next = errs[0]
			}
		case interface{ Unwrap() error }:
			next = e.Unwrap()
		}
		if next == nil {
			return err
		}
		err = next
	}
}

// TestBrokenOverlayCopyFailsRender copies the base and the dev overlay, misspells a field in
// the copy and renders it with kustomize: the strict decoding of the output must fail.
func TestBrokenOverlayCopyFailsRender(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	for _, dir := range []string{"infra/k8s", "infra/k8s-dev"} {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.yaml"))
		if err := os.MkdirAll(filepath.Join(tmp, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(f) == "tickets-depl.yaml" {
				data = []byte(strings.Replace(string(data), "readinessProbe:", "readinesProbe:", 1))
			}
			if err := os.WriteFile(filepath.Join(tmp, dir, filepath.Base(f)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := RenderSet(filepath.Join(tmp, "infra/k8s-dev")); err == nil {
		t.Fatal("a misspelt readinessProbe rendered without error")
	} else {
		wantErr(t, err, "readinesProbe")
	}
}

// TestBrokenCrossReferences breaks one reference at a time in the rendered dev overlay.
func TestBrokenCrossReferences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		break_ func(s Set)
		check  func(s Set) error
		want   []string
	}{
		{
			name:   "service selector matches nothing",
			break_: func(s Set) { s.Service("orders-srv").Spec.Selector = map[string]string{"app": "order"} },
			check:  CheckServices,
			want:   []string{"Service orders-srv", "matches no workload"},
		},
		{
			name: "service targets an undeclared port",
			break_: func(s Set) {
				s.Service("auth-srv").Spec.Ports[0].TargetPort = intstr.FromString("htp")
			},
			check: CheckServices,
			want:  []string{"Service auth-srv", "htp"},
		},
		{
			name: "ingress backend names an unknown service",
			break_: func(s Set) {
				s.Ingresses()[0].Spec.Rules[0].HTTP.Paths[2].Backend.Service.Name = "ticket-srv"
			},
			check: CheckIngresses,
			want:  []string{`"ticket-srv" does not exist`},
		},
		{
			name: "ingress backend port the service lacks",
			break_: func(s Set) {
				s.Ingresses()[0].Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Number = 80
			},
			check: CheckIngresses,
			want:  []string{"payments-srv has no port"},
		},
		{
			name: "secretKeyRef to an unknown secret",
			break_: func(s Set) {
				setEnv(container(s, "payments-depl"), "STRIPE_KEY", corev1.EnvVar{ValueFrom: &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "stripe-secrets"}, Key: "STRIPE_KEY"}}})
			},
			check: func(s Set) error { return CheckSecretRefs(s, Secrets) },
			want:  []string{`unknown secret "stripe-secrets"`},
		},
		{
			name: "secretKeyRef to an undocumented key",
			break_: func(s Set) {
				setEnv(container(s, "auth-depl"), "JWT_KEY", corev1.EnvVar{ValueFrom: &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "jwt-secret"}, Key: "jwt"}}})
			},
			check: func(s Set) error { return CheckSecretRefs(s, Secrets) },
			want:  []string{`reads key "jwt" of secret jwt-secret`},
		},
		{
			name: "a service reads another store's password",
			break_: func(s Set) {
				setEnv(container(s, "orders-depl"), "MONGO_PASSWORD", corev1.EnvVar{ValueFrom: &corev1.EnvVarSource{
					SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "auth-mongo-secret"}, Key: "MONGO_PASSWORD"}}})
			},
			check: func(s Set) error { return CheckSecretRefs(s, Secrets) },
			want:  []string{"container orders: reads auth-mongo-secret/MONGO_PASSWORD"},
		},
		{
			name: "store without auth",
			break_: func(s Set) {
				c := &statefulSet(s, "payments-mongo").Spec.Template.Spec.Containers[0]
				c.Args = []string{"mongod", "--bind_ip_all"}
				r := &statefulSet(s, "expiration-redis").Spec.Template.Spec.Containers[0]
				r.Args = r.Args[:len(r.Args)-2]
			},
			check: CheckStoreAuth,
			want:  []string{"StatefulSet payments-mongo container mongo: mongod runs without --auth", "container redis: redis-server runs without --requirepass"},
		},
		{
			name: "NATS without a configuration file",
			break_: func(s Set) {
				c := &statefulSet(s, "nats").Spec.Template.Spec.Containers[0]
				c.Args = c.Args[2:]
			},
			check: CheckStoreAuth,
			want:  []string{"container nats: no configuration file (-c)"},
		},
		{
			name: "store address without credentials, password as a literal",
			break_: func(s Set) {
				setEnv(container(s, "tickets-depl"), "MONGO_URI", corev1.EnvVar{Value: "mongodb://tickets-mongo-srv:27017/tickets"})
				// assembled, so that the secret scan does not flag this file
				setEnv(container(s, "expiration-depl"), "NATS_URL", corev1.EnvVar{Value: "nats://expiration:" + "hunter2@nats-srv:4222"})
			},
			check: CheckStoreAuth,
			want:  []string{"container tickets: MONGO_URI carries no credentials", `NATS_URL: password "hunter2" is not $(VAR)`},
		},
		{
			name: "service without a policy",
			break_: func(s Set) {
				for _, p := range s.NetworkPolicies() {
					if p.Name == "orders-egress" {
						p.Spec.PodSelector.MatchLabels["app"] = "order"
					}
				}
			},
			check: func(s Set) error { return CheckNetworkPolicies(s, flows, ingressEdge) },
			want: []string{"NetworkPolicy orders-egress selects no pod", "flow orders-depl → orders-mongo:27017 is not allowed",
				"flow orders-depl → nats:4222 is not allowed"},
		},
		{
			name: "policy opens another service's store and the edge to every port",
			break_: func(s Set) {
				for _, p := range s.NetworkPolicies() {
					switch p.Name {
					case "auth-mongo-ingress":
						p.Spec.Ingress[0].From[0].PodSelector.MatchLabels = nil // every pod
					case "allow-edge":
						p.Spec.Ingress[0].Ports = nil
					}
				}
				for _, p := range s.NetworkPolicies() {
					if p.Name == "client-egress" {
						p.Spec.Egress = append(p.Spec.Egress, networkingv1.NetworkPolicyEgressRule{})
					}
				}
			},
			check: func(s Set) error { return CheckNetworkPolicies(s, flows, ingressEdge) },
			want:  []string{"flow client-depl → auth-mongo:27017 is allowed, but not needed", "allow-edge: the edge may reach ports other than http"},
		},
		{
			name: "no default deny",
			break_: func(s Set) {
				for _, p := range s.NetworkPolicies() {
					if p.Name == "default-deny" {
						p.Spec.PolicyTypes = p.Spec.PolicyTypes[:1]
					}
				}
			},
			check: func(s Set) error { return CheckNetworkPolicies(s, flows, ingressEdge) },
			want:  []string{"no default-deny NetworkPolicy"},
		},
		{
			name: "mutable or unpinned images",
			break_: func(s Set) {
				statefulSet(s, "nats").Spec.Template.Spec.Containers[0].Image = "nats-streaming:0.25.6"
			},
			check: func(s Set) error { return CheckPinnedImages(s, imagePrefix, false) },
			want:  []string{"third-party image nats-streaming:0.25.6 is not pinned by digest"},
		},
		{
			name: "MONGO_URI names no service",
			break_: func(s Set) {
				setEnv(container(s, "orders-depl"), "MONGO_URI", corev1.EnvVar{Value: "mongodb://order-mongo-srv:27017/orders"})
			},
			check: CheckServiceAddresses,
			want:  []string{`no Service "order-mongo-srv"`},
		},
		{
			name: "client through the public edge, a prefix without its Service, a Service of another app",
			break_: func(s Set) {
				c := container(s, "client-depl")
				c.Env = append(c.Env, corev1.EnvVar{Name: "API_BASE_URL", Value: "https://ticketing.example.com"})
				c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "ORDERS_API_URL" })
				setEnv(c, "AUTH_API_URL", corev1.EnvVar{Value: "http://tickets-srv:3000"})
			},
			check: func(s Set) error { return CheckClientAPIs(s, gateway.Routes) },
			want: []string{"API_BASE_URL=https://ticketing.example.com", "no ORDERS_API_URL",
				"Service tickets-srv does not select the pods of auth-depl"},
		},
		{
			name: "writable root filesystem, root user, no limits",
			break_: func(s Set) {
				c := container(s, "client-depl")
				f := false
				c.SecurityContext.ReadOnlyRootFilesystem = &f
				c.Resources.Limits = nil
				var zero int64
				s.Deployment("client-depl").Spec.Template.Spec.SecurityContext.RunAsUser = &zero
			},
			check: CheckWorkloads,
			want:  []string{"container client: readOnlyRootFilesystem is not true", "runAsUser is 0", "no memory limit"},
		},
		{
			name: "probe on an undeclared port",
			break_: func(s Set) {
				container(s, "tickets-depl").LivenessProbe.HTTPGet.Port = intstr.FromInt32(8080)
			},
			check: CheckWorkloads,
			want:  []string{"container tickets: livenessProbe: port 8080"},
		},
		{
			name: "statefulset without a volume claim",
			break_: func(s Set) {
				for _, o := range s.Objects {
					if ss, ok := o.(*appsv1.StatefulSet); ok && ss.Name == "nats" {
						ss.Spec.VolumeClaimTemplates = nil
					}
				}
			},
			check: CheckWorkloads,
			want:  []string{"StatefulSet nats: no volumeClaimTemplates", `volumeMount "data" names no volume`},
		},
		{
			name: "NATS_CLIENT_ID not from the pod name",
			break_: func(s Set) {
				setEnv(container(s, "expiration-depl"), "NATS_CLIENT_ID", corev1.EnvVar{Value: "expiration"})
			},
			check: func(s Set) error { return CheckAppContainers(s, artifacts()) },
			want:  []string{"container expiration: NATS_CLIENT_ID"},
		},
		{
			name:   "image that is not an artifact",
			break_: func(s Set) { container(s, "auth-depl").Image = "gittix/auht" },
			check:  func(s Set) error { return CheckImages(s, artifacts(), imagePrefix) },
			want:   []string{"gittix/auht is not a skaffold artifact", "artifact gittix/auth is used by no container"},
		},
		{
			name: "unpinned third-party image",
			break_: func(s Set) {
				for _, o := range s.Objects {
					if ss, ok := o.(*appsv1.StatefulSet); ok && ss.Name == "auth-mongo" {
						ss.Spec.Template.Spec.Containers[0].Image = "mongo"
					}
				}
			},
			check: func(s Set) error { return CheckImages(s, artifacts(), imagePrefix) },
			want:  []string{"third-party image mongo is not pinned"},
		},
		{
			name: "ingress paths out of the gateway's order",
			break_: func(s Set) {
				p := s.Ingresses()[0].Spec.Rules[0].HTTP.Paths
				p[0], p[1] = p[1], p[0]
			},
			check: func(s Set) error { return CheckRoutes(s.Ingresses()[0], gateway.Routes) },
			want:  []string{"path 0: /api/users → auth-srv, the gateway has /api/payments → payments-srv"},
		},
		{
			name: "ingress regex looser than the gateway's prefix",
			break_: func(s Set) {
				s.Ingresses()[0].Spec.Rules[0].HTTP.Paths[1].Path = "/api/users/?(.*)"
			},
			check: func(s Set) error { return CheckRoutes(s.Ingresses()[0], gateway.Routes) },
			want:  []string{"not of the form", "/api/usersx goes to"},
		},
		{
			name: "ingress with a missing route",
			break_: func(s Set) {
				r := &s.Ingresses()[0].Spec.Rules[0]
				r.HTTP.Paths = append([]networkingv1.HTTPIngressPath(nil), r.HTTP.Paths[1:]...)
			},
			check: func(s Set) error { return CheckRoutes(s.Ingresses()[0], gateway.Routes) },
			want:  []string{"4 paths, the gateway has 5 routes", "/api/payments goes to"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := render(t, overlays["dev"]) // a fresh copy for every case
			if err := tt.check(s); err != nil {
				t.Fatalf("the unbroken dev overlay must pass: %v", err)
			}
			tt.break_(s)
			wantErr(t, tt.check(s), tt.want...)
		})
	}
}

// TestBrokenIssuerReference removes the ClusterIssuer the prod ingress asks for.
func TestBrokenIssuerReference(t *testing.T) {
	t.Parallel()
	s := render(t, overlays["prod"])
	var kept []runtime.Object
	for _, o := range s.Objects {
		if _, ok := o.(*ClusterIssuer); !ok {
			kept = append(kept, o)
		}
	}
	s.Objects = kept
	wantErr(t, CheckIngresses(s), `ClusterIssuer "letsencrypt-prod" does not exist`)
}

// TestBrokenSkaffold validates broken copies of skaffold.yaml.
func TestBrokenSkaffold(t *testing.T) {
	t.Parallel()
	doc, schema := readSkaffold(t)
	_, err := ValidateSkaffold([]byte(strings.Replace(string(doc), "dockerfile:", "dockerfle:", 1)), schema)
	wantErr(t, err, "dockerfle")

	s, err := ValidateSkaffold([]byte(strings.Replace(string(doc), "push: false", "push: true", 1)), schema)
	if err != nil {
		t.Fatal(err)
	}
	s.Build.Artifacts = s.Build.Artifacts[1:]
	s.Profiles = s.Profiles[:2]
	wantErr(t, CheckSkaffold(s, root, imagePrefix, images, overlays),
		"push must be false", "no artifact for image gittix/auth", "no profile prod")
}

// TestBrokenDockerfile checks Dockerfiles whose final stage runs as root or that skip the
// build contract.
func TestBrokenDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, SharedDockerfile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to string
		want           []string
	}{
		{"no USER", "USER nonroot:nonroot", "", []string{`runs as ""`}},
		{"USER root", "USER nonroot:nonroot", "USER root", []string{`runs as "root"`}},
		{"USER 0", "USER nonroot:nonroot", "USER 0:0", []string{`runs as "0:0"`}},
		{"final stage not distroless", "FROM gcr.io/distroless/static-debian12:nonroot", "FROM debian:12", []string{"final stage FROM debian:12"}},
		{"cgo on", "CGO_ENABLED=0 ", "", []string{"go build without CGO_ENABLED=0"}},
		{"wrong main package", "./cmd/${SERVICE}", "./cmd/server", []string{"without ./cmd/auth"}},
		{"copy from a missing folder", "COPY ${SERVICE}/ /src/${SERVICE}/", "COPY ${SERVICE}x/ /src/${SERVICE}/", []string{"COPY source [authx/] does not exist", "does not COPY auth/"}},
		{"no build argument", "ARG SERVICE\n", "", []string{"declares no ARG SERVICE", "does not COPY auth/"}},
		{"download without cache", "RUN --mount=type=cache,target=/go/pkg/mod \\\n    GOWORK=off go mod download", "RUN GOWORK=off go mod download", []string{"without a cache mount"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			broken := strings.Replace(string(data), tt.from, tt.to, 1)
			if broken == string(data) {
				t.Fatalf("%q not found in %s", tt.from, SharedDockerfile)
			}
			stages, err := ParseDockerfile([]byte(broken))
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, CheckDockerfile(stages, "auth", exists), tt.want...)
		})
	}
}

// TestBrokenWorkflow checks a workflow with a missing folder and an unpinned action, and lints
// one that actionlint must reject.
func TestBrokenWorkflow(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, ".github/workflows/tests-auth.yml"))
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.ReplaceAll(string(data), "working-directory: auth", "working-directory: authx")
	broken = strings.Replace(broken, "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1", "actions/checkout@v7", 1)
	broken = strings.Replace(broken, `"auth/**"`, `"auht/**"`, 1)
	w, err := ParseWorkflow([]byte(broken))
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, CheckWorkflow("tests-auth.yml", w, root),
		"working-directory authx does not exist", "actions/checkout@v7 is not pinned to a commit SHA", `paths filter "auht/**" matches nothing`)

	lintBroken := strings.Replace(string(data), "runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout: 5", 1)
	lintBroken = strings.Replace(lintBroken, "${{ github.ref }}", "${{ github.reff }}", 1)
	findings, err := Lint(map[string][]byte{".github/workflows/tests-auth.yml": []byte(lintBroken)})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, f := range findings {
		all = append(all, f.Error())
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{`unexpected key "timeout"`, `property "reff" is not defined`} {
		if !strings.Contains(joined, want) {
			t.Errorf("actionlint findings lack %q:\n%s", want, joined)
		}
	}
}

// TestBrokenProd breaks the rendered prod overlay: a mutable image tag, TLS redirect off, no
// disruption budget, an autoscaler below the replicas.
func TestBrokenProd(t *testing.T) {
	t.Parallel()
	s := render(t, overlays["prod"])
	for name, check := range map[string]func(Set) error{
		"tls":          CheckTLSRedirect,
		"pinned":       func(s Set) error { return CheckPinnedImages(s, imagePrefix, true) },
		"availability": CheckAvailability,
	} {
		if err := check(s); err != nil {
			t.Fatalf("the unbroken prod overlay must pass %s: %v", name, err)
		}
	}
	container(s, "orders-depl").Image = "gittix/orders:latest"
	s.Ingresses()[0].Annotations["nginx.ingress.kubernetes.io/ssl-redirect"] = "false"
	var kept []runtime.Object
	for _, o := range s.Objects {
		if p, ok := o.(*policyv1.PodDisruptionBudget); !ok || p.Name != "client-pdb" {
			kept = append(kept, o)
		}
	}
	s.Objects = kept
	low := int32(1)
	s.HorizontalPodAutoscalers()[0].Spec.MinReplicas = &low
	wantErr(t, CheckPinnedImages(s, imagePrefix, true), "gittix/orders:latest is not a commit tag")
	wantErr(t, CheckTLSRedirect(s), `ssl-redirect is "false"`)
	wantErr(t, CheckAvailability(s), "Deployment client-depl: 0 PodDisruptionBudgets", "HorizontalPodAutoscaler auth-hpa: replicas")
}

// TestBrokenGateway breaks the rendered Gateway API overlay: a route to a missing Service, rules
// out of the gateway's order, no HSTS, plain HTTP that serves instead of redirecting.
func TestBrokenGateway(t *testing.T) {
	t.Parallel()
	s := render(t, gatewayOverlays["prod"])
	route := func(name string) *gatewayv1.HTTPRoute {
		for _, r := range s.HTTPRoutes() {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no HTTPRoute %s", name)
		return nil
	}
	if err := errors.Join(CheckGatewayAPI(s), CheckHTTPRoute(route("gittix"), gateway.Routes)); err != nil {
		t.Fatalf("the unbroken gateway overlay must pass: %v", err)
	}
	r := route("gittix")
	r.Spec.Rules[2].BackendRefs[0].Name = "ticket-srv"
	r.Spec.Rules[0], r.Spec.Rules[1] = r.Spec.Rules[1], r.Spec.Rules[0]
	r.Spec.Rules[3].Filters = nil
	redirect := route("gittix-redirect")
	redirect.Spec.Rules[0].BackendRefs = r.Spec.Rules[4].BackendRefs
	wantErr(t, CheckGatewayAPI(s), `backend Service "ticket-srv" does not exist`,
		"a rule sends no Strict-Transport-Security", "on plain HTTP (listener http) a rule must only redirect to https")
	wantErr(t, CheckHTTPRoute(r, gateway.Routes), "rule 0: /api/users → auth-srv, the gateway has /api/payments → payments-srv",
		"/api/tickets goes to \"ticket-srv\"")
}

// TestBrokenNATSPermissions widens and swaps the publish permissions of nats.conf.
func TestBrokenNATSPermissions(t *testing.T) {
	t.Parallel()
	s := render(t, "infra/k8s")
	text := s.ConfigMap("nats-config").Data["nats.conf"]
	if err := CheckNATSPermissions(text, "ticketing", Publishes); err != nil {
		t.Fatalf("the unbroken nats.conf must pass: %v", err)
	}
	broken := strings.Replace(text, `"_STAN.pub.ticketing.payment:created"`, `"_STAN.pub.ticketing.>"`, 1)
	broken = strings.Replace(broken, `"_STAN.pub.ticketing.expiration:complete"`, `"_STAN.pub.ticketing.payment:created"`, 1)
	wantErr(t, CheckNATSPermissions(broken, "ticketing", Publishes),
		"NATS user payments may publish _STAN.pub.ticketing.>", "NATS user expiration may publish [payment:created], owns [expiration:complete]")
}

// TestBrokenPinComment drops the version comment of a pinned action.
func TestBrokenPinComment(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, ".github/workflows/tests-auth.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPinComments("tests-auth.yml", data); err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), " # v7.0.1", "", 1)
	wantErr(t, CheckPinComments("tests-auth.yml", []byte(broken)), "has no version comment")
}
