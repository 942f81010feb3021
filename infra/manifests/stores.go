package manifests

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/nats-io/nats-server/v2/conf"
	corev1 "k8s.io/api/core/v1"
)

// envRef is a dependent environment variable: Kubernetes replaces $(NAME) with the value of
// NAME when NAME is defined earlier in the same container.
var envRef = regexp.MustCompile(`^\$\(([A-Z0-9_]+)\)$`)

// secretEnvBefore reports whether the container defines name from a secret before index i.
func secretEnvBefore(c Container, name string, i int) bool {
	for _, e := range c.Container.Env[:i] {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return true
		}
	}
	return false
}

// CheckStoreAuth checks that every data store authenticates its clients and that every client
// presents credentials read from a Secret:
//   - MongoDB runs with --auth, its root password and its service user's password from a
//     Secret, and the user-creating script of the ConfigMap mongo-init mounted;
//   - Redis runs with --requirepass $(VAR), VAR from a Secret;
//   - NATS Streaming reads a configuration file (-c) from a ConfigMap whose authorization block
//     gives every user a password taken from the environment, each of those from a Secret, and
//     the streaming server itself a user;
//   - every MONGO_URI, REDIS_URL and NATS_URL carries a password $(VAR), VAR from a Secret and
//     defined before it.
func CheckStoreAuth(s Set) error {
	var errs []error
	fail := func(c Container, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{c}, a...)...))
	}
	for _, c := range s.Containers() {
		args := slices.Concat(c.Command, c.Args)
		switch image := imageName(c.Image); image {
		case "mongo":
			if !slices.Contains(args, "--auth") {
				fail(c, "mongod runs without --auth: any pod could read and write its data")
			}
			for _, name := range []string{"MONGO_INITDB_ROOT_PASSWORD", "MONGO_PASSWORD"} {
				if !secretEnvBefore(c, name, len(c.Container.Env)) {
					fail(c, "%s is not read from a Secret", name)
				}
			}
			if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool {
				return m.MountPath == "/docker-entrypoint-initdb.d"
			}) || !slices.ContainsFunc(c.Workload.Template.Spec.Volumes, func(v corev1.Volume) bool {
				return v.ConfigMap != nil && v.ConfigMap.Name == "mongo-init"
			}) {
				fail(c, "the ConfigMap mongo-init is not mounted at /docker-entrypoint-initdb.d: the service's user is never created")
			}
		case "redis":
			i := slices.Index(args, "--requirepass")
			if i < 0 || i+1 >= len(args) {
				fail(c, "redis-server runs without --requirepass")
				break
			}
			if m := envRef.FindStringSubmatch(args[i+1]); m == nil || !secretEnvBefore(c, m[1], len(c.Container.Env)) {
				fail(c, "--requirepass %s is not $(VAR) with VAR from a Secret", args[i+1])
			}
		case "nats-streaming":
			errs = append(errs, checkNATSAuth(s, c, args))
		}
		for i, e := range c.Container.Env {
			if e.Name != "MONGO_URI" && e.Name != "REDIS_URL" && e.Name != "NATS_URL" {
				continue
			}
			u, err := url.Parse(e.Value)
			if err != nil || u.User == nil {
				fail(c, "%s carries no credentials", e.Name)
				continue
			}
			pass, _ := u.User.Password()
			if m := envRef.FindStringSubmatch(pass); m == nil || !secretEnvBefore(c, m[1], i) {
				fail(c, "%s: password %q is not $(VAR) with VAR read from a Secret before it", e.Name, pass)
			}
		}
	}
	return errors.Join(errs...)
}

var confVar = regexp.MustCompile(`\$([A-Z][A-Z0-9_]*)`)

// checkNATSAuth checks the NATS Streaming container c with arguments args.
func checkNATSAuth(s Set, c Container, args []string) error {
	i := slices.Index(args, "-c")
	if i < 0 || i+1 >= len(args) {
		return fmt.Errorf("%s: no configuration file (-c): NATS accepts every client", c)
	}
	text, err := natsConfig(s, c, args[i+1])
	if err != nil {
		return fmt.Errorf("%s: %w", c, err)
	}
	var errs []error
	for _, m := range confVar.FindAllStringSubmatch(stripComments(text), -1) {
		if !secretEnvBefore(c, m[1], len(c.Container.Env)) {
			errs = append(errs, fmt.Errorf("%s: nats.conf reads $%s, which is not read from a Secret", c, m[1]))
		}
	}
	users, streaming, err := ParseNATSConfig(text)
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("%s: %w", c, err))...)
	}
	if len(users) == 0 {
		errs = append(errs, fmt.Errorf("%s: nats.conf has no authorization users", c))
	}
	for _, u := range users {
		if !strings.HasPrefix(u.Password, "$") {
			errs = append(errs, fmt.Errorf("%s: NATS user %s has no password from the environment", c, u.User))
		}
	}
	if !slices.ContainsFunc(users, func(u NATSUser) bool { return u.User == streaming }) {
		errs = append(errs, fmt.Errorf("%s: the streaming server's user %q is not an authorization user", c, streaming))
	}
	return errors.Join(errs...)
}

// natsConfig returns the content of the file path as mounted from a ConfigMap in c.
func natsConfig(s Set, c Container, path string) (string, error) {
	for _, m := range c.VolumeMounts {
		rest, ok := strings.CutPrefix(path, strings.TrimSuffix(m.MountPath, "/")+"/")
		if !ok {
			continue
		}
		for _, v := range c.Workload.Template.Spec.Volumes {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			cm := s.ConfigMap(v.ConfigMap.Name)
			if cm == nil {
				return "", fmt.Errorf("ConfigMap %s does not exist", v.ConfigMap.Name)
			}
			data, ok := cm.Data[rest]
			if !ok {
				return "", fmt.Errorf("ConfigMap %s has no key %s", cm.Name, rest)
			}
			return data, nil
		}
	}
	return "", fmt.Errorf("configuration file %s is not mounted from a ConfigMap", path)
}

// NATSUser is one user of a NATS configuration's authorization block.
type NATSUser struct {
	User, Password      string
	Publish, Subscribe  []string // allowed subjects; nil: no permissions (everything)
	HasPermissionsBlock bool
}

// ParseNATSConfig parses a NATS (Streaming) configuration file with the NATS server's own parser
// and returns its users and the user of the streaming server's connections. $VARIABLES are kept
// as text, not resolved.
func ParseNATSConfig(text string) ([]NATSUser, string, error) {
	quoted := confVar.ReplaceAllString(text, `"$$$1"`)
	m, err := conf.Parse(quoted)
	if err != nil {
		return nil, "", fmt.Errorf("nats.conf: %w", err)
	}
	auth, _ := m["authorization"].(map[string]any)
	list, _ := auth["users"].([]any)
	var users []NATSUser
	for _, x := range list {
		u, _ := x.(map[string]any)
		nu := NATSUser{User: str(u["user"]), Password: str(u["password"])}
		if p, ok := u["permissions"].(map[string]any); ok {
			nu.HasPermissionsBlock = true
			nu.Publish = allowList(p["publish"])
			nu.Subscribe = allowList(p["subscribe"])
		}
		users = append(users, nu)
	}
	streaming, _ := m["streaming"].(map[string]any)
	return users, str(streaming["username"]), nil
}

func str(v any) string { s, _ := v.(string); return s }

func allowList(v any) []string {
	if m, ok := v.(map[string]any); ok {
		v = m["allow"]
	}
	var out []string
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, x := range v {
			out = append(out, str(x))
		}
	}
	return out
}

// natsPubPrefix is where NATS Streaming clients publish: _STAN.pub.<cluster id>.<subject>.
const natsPubPrefix = "_STAN.pub."

// CheckNATSPermissions checks the users of nats.conf against owners (user → the subjects it
// owns): every user but the streaming server's has permissions; it may publish on NATS
// Streaming exactly its own subjects of cluster clusterID, and on no wildcard of _STAN.pub.
func CheckNATSPermissions(text, clusterID string, owners map[string][]string) error {
	users, streaming, err := ParseNATSConfig(text)
	if err != nil {
		return err
	}
	var errs []error
	seen := map[string]bool{}
	for _, u := range users {
		if u.User == streaming {
			continue
		}
		seen[u.User] = true
		if !u.HasPermissionsBlock {
			errs = append(errs, fmt.Errorf("NATS user %s has no permissions: it may publish every event", u.User))
			continue
		}
		var pubs []string
		for _, p := range u.Publish {
			rest, ok := strings.CutPrefix(p, natsPubPrefix)
			if !ok {
				if p == ">" || p == "_STAN.>" || strings.HasPrefix(p, "_STAN.pub") {
					errs = append(errs, fmt.Errorf("NATS user %s may publish %s", u.User, p))
				}
				continue
			}
			subject, ok := strings.CutPrefix(rest, clusterID+".")
			if !ok || strings.ContainsAny(subject, "*>") {
				errs = append(errs, fmt.Errorf("NATS user %s may publish %s, not one subject of cluster %s", u.User, p, clusterID))
				continue
			}
			pubs = append(pubs, subject)
		}
		want := slices.Clone(owners[u.User])
		slices.Sort(pubs)
		slices.Sort(want)
		if !slices.Equal(pubs, want) {
			errs = append(errs, fmt.Errorf("NATS user %s may publish %v, owns %v", u.User, pubs, want))
		}
	}
	for owner := range owners {
		if !seen[owner] {
			errs = append(errs, fmt.Errorf("no NATS user %s", owner))
		}
	}
	return errors.Join(errs...)
}
