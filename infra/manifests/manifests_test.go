package manifests

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gittix/ticketing/infra/devstack/gateway"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// isClusterScoped reports the kinds the overlays use that have no namespace.
func isClusterScoped(o runtime.Object) bool {
	_, ok := o.(*ClusterIssuer)
	return ok
}

// TestHosts checks that staging is not under prod's domain nor prod under staging's, and that
// they do not share a registrable domain (the last two labels): no cookie crosses between them.
func TestHosts(t *testing.T) {
	t.Parallel()
	st, pr := hosts["staging"], hosts["prod"]
	if strings.HasSuffix(st, "."+pr) || strings.HasSuffix(pr, "."+st) || st == pr {
		t.Errorf("staging %s and prod %s: one is under the other", st, pr)
	}
	last2 := func(h string) string { l := strings.Split(h, "."); return strings.Join(l[max(0, len(l)-2):], ".") }
	if last2(st) == last2(pr) {
		t.Errorf("staging %s and prod %s share the domain %s", st, pr, last2(pr))
	}
	if namespaces["staging"] == namespaces["prod"] {
		t.Error("staging and prod share a namespace, hence their Secrets")
	}
}

// root is the repository root, seen from this package's directory.
const root = "../.."

// images are the six images, each built from <name>/Dockerfile as gittix/<name>.
var images = []string{"auth", "tickets", "orders", "expiration", "payments", "notifications", "client"}

const imagePrefix = "gittix/"

// overlays maps each environment (a skaffold profile) to its kustomization directory.
var overlays = map[string]string{
	"dev":     "infra/k8s-dev",
	"staging": "infra/k8s-staging",
	"prod":    "infra/k8s-prod",
}

// gatewayOverlays are the environments with the Gateway API edge instead of ingress-nginx.
var gatewayOverlays = map[string]string{
	"staging": "infra/k8s-staging-gateway",
	"prod":    "infra/k8s-prod-gateway",
}

// hosts are the public hosts per environment. Staging is
// not under prod's domain: a staging page must not set cookies for prod.
var hosts = map[string]string{
	"dev":     "ticketing.dev",
	"staging": "staging.gittix-staging.example.net",
	"prod":    "ticketing.example.com",
}

// namespaces are the namespaces per environment: each its own Secrets.
var namespaces = map[string]string{"dev": "", "staging": "gittix-staging", "prod": "gittix"}

// edges are the namespaces the edge's proxies run in.
const (
	ingressEdge = "ingress-nginx"
	gatewayEdge = "envoy-gateway-system"
)

// flows are the only connections between the app's pods: each service to its own store and,
// when it uses events, to NATS; the client to the API services.
var flows = []Flow{
	{"auth-depl", "auth-mongo", 27017}, {"auth-depl", "nats", 4222},
	{"tickets-depl", "tickets-mongo", 27017}, {"tickets-depl", "nats", 4222},
	{"orders-depl", "orders-mongo", 27017}, {"orders-depl", "nats", 4222},
	{"payments-depl", "payments-mongo", 27017}, {"payments-depl", "nats", 4222},
	{"notifications-depl", "notifications-mongo", 27017}, {"notifications-depl", "nats", 4222},
	{"expiration-depl", "expiration-redis", 6379}, {"expiration-depl", "nats", 4222},
	{"client-depl", "auth-depl", 3000}, {"client-depl", "tickets-depl", 3000},
	{"client-depl", "orders-depl", 3000}, {"client-depl", "payments-depl", 3000},
}

func artifacts() []string {
	var out []string
	for _, n := range images {
		out = append(out, imagePrefix+n)
	}
	return out
}

func render(t *testing.T, dir string) Set {
	t.Helper()
	s, err := RenderSet(filepath.Join(root, dir))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFilesDecodeStrictly decodes every YAML file under infra/k8s* on its own (kustomizations
// aside, which kustomize itself decodes strictly) into the Kubernetes API types.
func TestFilesDecodeStrictly(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(root, "infra", "k8s*", "*.yaml"))
	if err != nil || len(files) < 15 {
		t.Fatalf("found %d manifest files (%v), expected the base and three overlays", len(files), err)
	}
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		t.Run(strings.TrimPrefix(f, root+"/"), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) == 0 {
				t.Fatal("no objects")
			}
		})
	}
}

// TestEnvironments renders the base and every overlay with kustomize and runs every cross-check.
func TestEnvironments(t *testing.T) {
	t.Parallel()
	dirs := map[string]string{"base": "infra/k8s"}
	for env, dir := range overlays {
		dirs[env] = dir
	}
	for env, dir := range gatewayOverlays {
		dirs[env+"-gateway"] = dir
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env, viaGateway := strings.CutSuffix(name, "-gateway")
			s := render(t, dir)
			edge := ingressEdge
			if viaGateway {
				edge = gatewayEdge
			}
			checks := map[string]error{
				"workloads":         CheckWorkloads(s),
				"services":          CheckServices(s),
				"ingresses":         CheckIngresses(s),
				"tls redirect":      CheckTLSRedirect(s),
				"gateway api":       CheckGatewayAPI(s),
				"secretKeyRefs":     CheckSecretRefs(s, Secrets),
				"store auth":        CheckStoreAuth(s),
				"network policies":  CheckNetworkPolicies(s, flows, edge),
				"service addresses": CheckServiceAddresses(s),
				"client apis":       CheckClientAPIs(s, gateway.Routes),
				"app containers":    CheckAppContainers(s, artifacts()),
				"images":            CheckImages(s, artifacts(), imagePrefix),
				"pinned images":     CheckPinnedImages(s, imagePrefix, env == "staging" || env == "prod"),
			}
			if env == "prod" {
				checks["availability"] = CheckAvailability(s)
			}
			for check, err := range checks {
				if err != nil {
					t.Errorf("%s %s:\n%v", name, check, err)
				}
			}
			if env == "base" {
				if n := len(s.Ingresses()); n != 0 {
					t.Errorf("base has %d Ingresses; each overlay brings its own", n)
				}
				return
			}
			if viaGateway {
				checkGatewayEdge(t, name, s, hosts[env])
			} else {
				ings := s.Ingresses()
				if len(ings) != 1 {
					t.Fatalf("%s: %d Ingresses, want 1", env, len(ings))
				}
				if err := CheckRoutes(ings[0], gateway.Routes); err != nil {
					t.Errorf("%s ingress vs. make-dev gateway:\n%v", env, err)
				}
			}
			checkEnvironment(t, env, s, viaGateway)
		})
	}
}

// checkGatewayEdge checks an environment served through the Gateway API: no Ingress, one
// Gateway with an HTTP and an HTTPS listener for host, the routing table of the make-dev gateway.
func checkGatewayEdge(t *testing.T, name string, s Set, host string) {
	t.Helper()
	if n := len(s.Ingresses()); n != 0 {
		t.Errorf("%s: %d Ingresses next to the Gateway", name, n)
	}
	gws := s.Gateways()
	if len(gws) != 1 {
		t.Fatalf("%s: %d Gateways, want 1", name, len(gws))
	}
	for _, l := range gws[0].Spec.Listeners {
		if l.Hostname == nil || string(*l.Hostname) != host {
			t.Errorf("%s: listener %s host %v, want %s", name, l.Name, l.Hostname, host)
		}
	}
	routed := false
	for _, r := range s.HTTPRoutes() {
		if len(r.Spec.Rules) > 0 && len(r.Spec.Rules[0].BackendRefs) > 0 {
			routed = true
			if err := CheckHTTPRoute(r, gateway.Routes); err != nil {
				t.Errorf("%s HTTPRoute vs. make-dev gateway:\n%v", name, err)
			}
		}
	}
	if !routed {
		t.Errorf("%s: no HTTPRoute with backends", name)
	}
}

// checkEnvironment checks what differs between the environments.
func checkEnvironment(t *testing.T, env string, s Set, viaGateway bool) {
	t.Helper()
	secure := env != "dev"
	if !viaGateway {
		ing := s.Ingresses()[0]
		if got := len(ing.Spec.Rules); got != 1 || ing.Spec.Rules[0].Host != hosts[env] {
			t.Errorf("%s: ingress rules %d, host %q; want one rule for %s", env, got, ing.Spec.Rules[0].Host, hosts[env])
		}
		if hasTLS := len(ing.Spec.TLS) > 0; hasTLS != secure {
			t.Errorf("%s: ingress TLS = %v, want %v", env, hasTLS, secure)
		}
		if _, ok := ing.Annotations["cert-manager.io/cluster-issuer"]; ok != secure {
			t.Errorf("%s: cert-manager issuer annotation = %v, want %v", env, ok, secure)
		}
	}
	for _, o := range s.Objects {
		m, ok := o.(interface{ GetNamespace() string })
		if _, isNS := o.(*corev1.Namespace); ok && !isNS && !isClusterScoped(o) && m.GetNamespace() != namespaces[env] {
			t.Errorf("%s: %T in namespace %q, want %q", env, o, m.GetNamespace(), namespaces[env])
			break
		}
	}
	for _, ci := range s.ClusterIssuers() {
		if ci.Spec.ACME == nil || ci.Spec.ACME.Server != "https://acme-v02.api.letsencrypt.org/directory" {
			t.Errorf("%s: ClusterIssuer %s is not Let's Encrypt", env, ci.Name)
		}
	}
	for _, c := range s.Containers() {
		if !slices.Contains(artifacts(), imageName(c.Image)) {
			continue
		}
		if e, ok := c.Env("COOKIE_SECURE"); ok && e.Value != fmt.Sprint(secure) {
			t.Errorf("%s: %s: COOKIE_SECURE=%s, want %v", env, c, e.Value, secure)
		}
		// Live Stripe in prod needs its live publishable key in the client; staging: test mode.
		if c.Workload.Name == "client-depl" && secure {
			want := map[string]string{"prod": "pk_live_", "staging": "pk_test_"}[env]
			if e, ok := c.Env("STRIPE_PUBLISHABLE_KEY"); !ok || !strings.HasPrefix(e.Value, want) {
				t.Errorf("%s: client STRIPE_PUBLISHABLE_KEY %q, want %s…", env, e.Value, want)
			}
		}
	}
	for _, name := range []string{"auth", "client"} {
		d := s.Deployment(name + "-depl")
		if d == nil {
			t.Fatalf("%s: no Deployment %s-depl", env, name)
		}
		if _, ok := (Container{Container: &d.Spec.Template.Spec.Containers[0]}).Env("COOKIE_SECURE"); !ok {
			t.Errorf("%s: %s sets no COOKIE_SECURE", env, name)
		}
	}
	for _, w := range s.Workloads() {
		stateless := w.Kind == "Deployment"
		switch {
		case !stateless && w.Replicas != 1:
			t.Errorf("%s: %s %s has %d replicas; the single-node stores need exactly 1", env, w.Kind, w.Name, w.Replicas)
		case stateless && secure && w.Replicas < 2:
			t.Errorf("%s: %s %s has %d replica(s), want more than one", env, w.Kind, w.Name, w.Replicas)
		case stateless && !secure && w.Replicas != 1:
			t.Errorf("%s: %s %s has %d replicas, want 1 in dev", env, w.Kind, w.Name, w.Replicas)
		}
	}
}

// TestStores checks that every store keeps its data on a volume claim and that NATS Streaming
// runs with the flags the services rely on.
func TestStores(t *testing.T) {
	t.Parallel()
	s := render(t, "infra/k8s")
	want := []string{"auth-mongo", "tickets-mongo", "orders-mongo", "payments-mongo", "notifications-mongo", "expiration-redis", "nats"}
	var got []string
	for _, w := range s.Workloads() {
		if w.Kind == "StatefulSet" {
			got = append(got, w.Name)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("StatefulSets %v, want %v", got, want)
	}
	for _, c := range s.Containers() {
		args := strings.Join(append(slices.Clone(c.Command), c.Args...), " ")
		switch {
		case strings.HasPrefix(c.Image, "nats-streaming:"):
			if !strings.HasPrefix(c.Image, "nats-streaming:0.25.6@sha256:") {
				t.Errorf("NATS image %s, want nats-streaming:0.25.6@sha256:…", c.Image)
			}
			for _, flag := range []string{"-cid ticketing", "-hbi 5s", "-hbt 5s", "-hbf 2", "-store file", "-dir /data/"} {
				if !strings.Contains(args, flag) {
					t.Errorf("NATS args %q lack %q", args, flag)
				}
			}
		case strings.HasPrefix(c.Image, "redis:"):
			if !strings.Contains(args, "--appendonly yes") {
				t.Errorf("Redis args %q: no append-only persistence", args)
			}
		}
	}
	if got := natsClusterID(s); got != "ticketing" {
		t.Errorf("NATS cluster id %q, want ticketing", got)
	}
}

// readSkaffold returns skaffold.yaml and the schema it is validated with.
func readSkaffold(t *testing.T) (doc, schema []byte) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(root, "skaffold.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err = os.ReadFile("testdata/skaffold-v4beta11.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return doc, schema
}

func loadSkaffold(t *testing.T) *Skaffold {
	t.Helper()
	s, err := ValidateSkaffold(readSkaffold(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSkaffold validates skaffold.yaml against skaffold's v4beta11 schema and checks that its
// artifacts and the images of every environment are the same set.
func TestSkaffold(t *testing.T) {
	t.Parallel()
	s := loadSkaffold(t)
	if err := CheckSkaffold(s, root, imagePrefix, images, overlays); err != nil {
		t.Error(err)
	}
	for env, dir := range overlays {
		if err := CheckImages(render(t, dir), s.Images(), imagePrefix); err != nil {
			t.Errorf("%s: manifests vs. skaffold artifacts:\n%v", env, err)
		}
	}
}

func exists(glob string) bool {
	m, _ := filepath.Glob(filepath.Join(root, glob))
	return len(m) > 0
}

// TestDockerfiles checks the shared Dockerfile as built for every image, that no service keeps a
// Dockerfile of its own (one copy, not six), and that once a service has Go code its binary's
// main package is where the Dockerfile builds it from.
func TestDockerfiles(t *testing.T) {
	t.Parallel()
	for _, name := range images {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join(root, SharedDockerfile))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(root, name, "Dockerfile")); err == nil {
				t.Errorf("%s/Dockerfile exists: build every image from %s", name, SharedDockerfile)
			}
			stages, err := ParseDockerfile(data)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckDockerfile(stages, name, exists); err != nil {
				t.Error(err)
			}
			// The binary's main package must be <name>/cmd/<name>; a service that has no main
			// package yet (its code is still being written) has nothing to check.
			var mains []string
			_ = filepath.WalkDir(filepath.Join(root, name), func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
					return nil
				}
				if src, err := os.ReadFile(p); err == nil && isMain(src) {
					mains = append(mains, filepath.Dir(strings.TrimPrefix(p, root+"/")))
				}
				return nil
			})
			if len(mains) == 0 {
				t.Logf("%s has no main package yet", name)
			} else if want := filepath.Join(name, "cmd", name); !slices.Contains(mains, want) {
				t.Errorf("%s: main packages %v, but the Dockerfile builds ./cmd/%s", name, mains, name)
			}
		})
	}
}

func isMain(src []byte) bool {
	for line := range strings.Lines(string(src)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "package" {
			return f[1] == "main"
		}
	}
	return false
}

// TestDockerignore checks that .dockerignore keeps what the image builds copy.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var needed []string
	for _, n := range append([]string{"common"}, images...) {
		needed = append(needed, n+"/go.mod", n+"/go.sum", n+"/cmd/"+n+"/main.go", n+"/internal/x/x.go")
	}
	for _, p := range needed {
		if pat, ok := ignored(data, p); ok {
			t.Errorf(".dockerignore pattern %q excludes %s", pat, p)
		}
	}
	for _, p := range []string{".git/HEAD", "infra/k8s/auth-depl.yaml"} {
		if _, ok := ignored(data, p); !ok {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
}

// ignored reports whether path (slash-separated, relative to the context) is excluded, with
// Docker's rules for the patterns we use: a pattern matches the path or one of its parents, and
// "**/" matches any number of leading directories. The last matching pattern wins.
func ignored(dockerignore []byte, path string) (string, bool) {
	last, excluded := "", false
	sc := bufio.NewScanner(bytes.NewReader(dockerignore))
	for sc.Scan() {
		pat := strings.TrimSpace(sc.Text())
		if pat == "" || strings.HasPrefix(pat, "#") {
			continue
		}
		neg := strings.HasPrefix(pat, "!")
		p := strings.TrimPrefix(pat, "!")
		segs := strings.Split(path, "/")
		for i := 1; i <= len(segs); i++ {
			prefix := strings.Join(segs[:i], "/")
			match, _ := filepath.Match(p, prefix)
			if rest, ok := strings.CutPrefix(p, "**/"); ok {
				for j := 0; j < i && !match; j++ {
					match, _ = filepath.Match(rest, strings.Join(segs[j:i], "/"))
				}
			}
			if match {
				last, excluded = pat, !neg
				break
			}
		}
	}
	return last, excluded
}

// goWorkModules returns the module directories listed in go.work.
func goWorkModules(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		t.Fatal(err)
	}
	var mods []string
	inUse := false
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(strings.SplitN(line, "//", 2)[0])
		switch {
		case len(f) == 0:
		case f[0] == "use" && len(f) == 2 && f[1] == "(":
			inUse = true
		case f[0] == "use" && len(f) == 2:
			mods = append(mods, strings.TrimPrefix(f[1], "./"))
		case inUse && f[0] == ")":
			inUse = false
		case inUse:
			mods = append(mods, strings.TrimPrefix(f[0], "./"))
		}
	}
	return mods
}

func loadWorkflows(t *testing.T) (map[string]*Workflow, map[string][]byte) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	wfs, raw := map[string]*Workflow{}, map[string][]byte{}
	for _, f := range files {
		name := filepath.Base(f)
		if !strings.HasSuffix(name, ".yml") {
			t.Errorf("%s: workflows here end in .yml", name)
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, err := ParseWorkflow(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		wfs[name], raw[filepath.ToSlash(filepath.Join(".github", "workflows", name))] = w, data
	}
	return wfs, raw
}

// TestWorkflows parses every workflow and checks it against the repository: paths, working
// directories, pinned actions; a tests workflow per module of go.work; a deploy workflow per
// image that restarts a Deployment of the production overlay; a manifests deploy.
func TestWorkflows(t *testing.T) {
	t.Parallel()
	wfs, _ := loadWorkflows(t)
	for name, w := range wfs {
		if err := CheckWorkflow(name, w, root); err != nil {
			t.Error(err)
		}
	}
	mods := goWorkModules(t)
	for _, must := range append([]string{"common", "infra/manifests"}, images...) {
		if !slices.Contains(mods, must) {
			t.Errorf("go.work does not use ./%s", must)
		}
	}
	for _, mod := range mods {
		name := "tests-" + filepath.Base(mod) + ".yml"
		w := wfs[name]
		if w == nil {
			t.Errorf("module %s has no workflow %s", mod, name)
			continue
		}
		if w.On.PullRequest == nil || w.On.Push != nil {
			t.Errorf("%s: must run on pull_request only", name)
			continue
		}
		paths := w.On.PullRequest.Paths
		if !slices.Contains(paths, mod+"/**") && !(mod == "infra/manifests" && slices.Contains(paths, "infra/**")) {
			t.Errorf("%s: paths %v lack %s/**", name, paths, mod)
		}
		if mod != "infra/manifests" && !slices.Contains(paths, "common/**") {
			t.Errorf("%s: paths %v lack common/**", name, paths)
		}
		job, ok := w.Jobs["test"]
		if !ok || job.Defaults.Run.WorkingDirectory != mod {
			t.Errorf("%s: job test must run in %s", name, mod)
			continue
		}
		var runs []string
		goFromMod := false
		for _, s := range job.Steps {
			runs = append(runs, s.Run)
			if strings.HasPrefix(s.Uses, "actions/setup-go@") && s.With["go-version-file"] == mod+"/go.mod" {
				goFromMod = true
			}
		}
		if !goFromMod {
			t.Errorf("%s: setup-go does not take Go from %s/go.mod", name, mod)
		}
		for _, want := range []string{"go vet ./...", "go test -race ./..."} {
			if !slices.Contains(runs, want) {
				t.Errorf("%s: no step runs %q", name, want)
			}
		}
	}

	prod := render(t, overlays["prod"])
	for _, img := range images {
		name := "deploy-" + img + ".yml"
		w := wfs[name]
		if w == nil {
			t.Errorf("image %s has no workflow %s", img, name)
			continue
		}
		if w.On.Push == nil || !slices.Equal(w.On.Push.Branches, []string{"main"}) || w.On.PullRequest != nil {
			t.Errorf("%s: must run on push to main only", name)
			continue
		}
		for _, p := range []string{img + "/**", "common/**"} {
			if !slices.Contains(w.On.Push.Paths, p) {
				t.Errorf("%s: paths %v lack %s", name, w.On.Push.Paths, p)
			}
		}
		scripts, _ := w.Runs()
		all := strings.Join(scripts, "\n")
		for _, want := range []string{
			"docker build --file " + SharedDockerfile + " --build-arg SERVICE=" + img + " --tag \"$IMAGE\"",
			"docker push \"$IMAGE\"",
			"kubectl --namespace " + namespaces["prod"] + " set image deployment/" + img + "-depl " + img + "=\"$IMAGE\"",
			"rollout status deployment/" + img + "-depl",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: no step runs %q", name, want)
			}
		}
		// The image is tagged with the commit, and nothing pushes a mutable tag.
		if job := w.Jobs["deploy"]; job.Env["IMAGE"] != imagePrefix+img+":${{ github.sha }}" {
			t.Errorf("%s: IMAGE is %q, want %s%s:${{ github.sha }}", name, job.Env["IMAGE"], imagePrefix, img)
		}
		if strings.Contains(all, ":latest") {
			t.Errorf("%s: pushes or uses a :latest tag", name)
		}
		if d := prod.Deployment(img + "-depl"); d == nil {
			t.Errorf("%s sets the image of deployment/%s-depl, which the prod overlay lacks", name, img)
		}
	}
	dm := wfs["deploy-manifests.yml"]
	if dm == nil {
		t.Fatal("no deploy-manifests.yml")
	}
	scripts, _ := dm.Runs()
	if !slices.ContainsFunc(scripts, func(s string) bool {
		return strings.Contains(s, "kubectl kustomize infra/k8s-prod >") && strings.Contains(s, "kubectl apply -f")
	}) {
		t.Error("deploy-manifests.yml does not render and apply infra/k8s-prod")
	}
	if dm.On.Push == nil || !slices.Contains(dm.On.Push.Paths, "infra/k8s-prod/**") || !slices.Contains(dm.On.Push.Paths, "infra/k8s/**") {
		t.Error("deploy-manifests.yml must run on pushes that change infra/k8s or infra/k8s-prod")
	}
	for name, w := range wfs {
		if !strings.HasPrefix(name, "deploy-") {
			continue
		}
		data, _ := os.ReadFile(filepath.Join(root, ".github", "workflows", name))
		for _, secret := range []string{"secrets.KUBE_CONFIG"} {
			if !bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s: does not use %s", name, secret)
			}
		}
		if name != "deploy-manifests.yml" {
			for _, secret := range []string{"secrets.DOCKER_USERNAME", "secrets.DOCKER_PASSWORD"} {
				if !bytes.Contains(data, []byte(secret)) {
					t.Errorf("%s: does not use %s", name, secret)
				}
			}
		}
		_ = w
	}
}

// TestActionlint lints every workflow with actionlint (and shellcheck when installed).
func TestActionlint(t *testing.T) {
	t.Parallel()
	_, raw := loadWorkflows(t)
	for name, data := range raw {
		if err := CheckPinComments(name, data); err != nil {
			t.Error(err)
		}
	}
	findings, err := Lint(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}
