package manifests

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/xeipuuv/gojsonschema"
	"sigs.k8s.io/yaml"
)

// Skaffold is the part of skaffold.yaml the cross-checks read. Its full validity is checked
// against skaffold's own JSON Schema (ValidateSkaffold).
type Skaffold struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Build      struct {
		Local *struct {
			Push *bool `json:"push"`
		} `json:"local"`
		Artifacts []SkaffoldArtifact `json:"artifacts"`
	} `json:"build"`
	Manifests SkaffoldManifests `json:"manifests"`
	Profiles  []struct {
		Name      string            `json:"name"`
		Manifests SkaffoldManifests `json:"manifests"`
	} `json:"profiles"`
}

// SkaffoldArtifact is one image skaffold builds.
type SkaffoldArtifact struct {
	Image   string `json:"image"`
	Context string `json:"context"`
	Docker  *struct {
		Dockerfile string            `json:"dockerfile"`
		BuildArgs  map[string]string `json:"buildArgs"`
	} `json:"docker"`
}

// SkaffoldManifests lists the kustomizations skaffold deploys.
type SkaffoldManifests struct {
	Kustomize *struct {
		Paths []string `json:"paths"`
	} `json:"kustomize"`
}

// Images returns the artifacts' image names.
func (s *Skaffold) Images() []string {
	var out []string
	for _, a := range s.Build.Artifacts {
		out = append(out, a.Image)
	}
	return out
}

// ValidateSkaffold validates a skaffold.yaml document against a skaffold JSON Schema and
// decodes it.
func ValidateSkaffold(doc, schemaJSON []byte) (*Skaffold, error) {
	js, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("skaffold.yaml: %w", err)
	}
	sch, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("skaffold schema: %w", err)
	}
	res, err := sch.Validate(gojsonschema.NewBytesLoader(js))
	if err != nil {
		return nil, fmt.Errorf("skaffold.yaml: %w", err)
	}
	if !res.Valid() {
		var errs []error
		for _, e := range res.Errors() {
			errs = append(errs, fmt.Errorf("skaffold.yaml: %s", e))
		}
		return nil, errors.Join(errs...)
	}
	var s Skaffold
	if err := yaml.Unmarshal(doc, &s); err != nil {
		return nil, fmt.Errorf("skaffold.yaml: %w", err)
	}
	return &s, nil
}

// SharedDockerfile is the one Dockerfile every image is built from, with the build argument
// SERVICE naming the service's folder.
const SharedDockerfile = "infra/docker/service.Dockerfile"

// CheckSkaffold checks skaffold.yaml against the repository: apiVersion, local unpushed
// builds, one artifact per wanted image (imagePrefix+name) built from SharedDockerfile with
// SERVICE=<name> and the repository root as context, and the dev/staging/prod profiles on existing overlays.
func CheckSkaffold(s *Skaffold, root, imagePrefix string, images []string, profiles map[string]string) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf("skaffold.yaml: "+format, a...)) }
	if s.APIVersion != "skaffold/v4beta11" || s.Kind != "Config" {
		fail("apiVersion/kind %s/%s, want skaffold/v4beta11/Config", s.APIVersion, s.Kind)
	}
	if s.Build.Local == nil || s.Build.Local.Push == nil || *s.Build.Local.Push {
		fail("build.local.push must be false (local builds are not pushed)")
	}
	seen := map[string]bool{}
	for _, a := range s.Build.Artifacts {
		name, ok := strings.CutPrefix(a.Image, imagePrefix)
		if !ok {
			fail("artifact %s is not under %s", a.Image, imagePrefix)
			continue
		}
		seen[name] = true
		if a.Context != "." {
			fail("artifact %s: context %q, want the repository root \".\"", a.Image, a.Context)
		}
		if a.Docker == nil || a.Docker.Dockerfile != SharedDockerfile {
			fail("artifact %s: dockerfile must be %s", a.Image, SharedDockerfile)
			continue
		}
		if got := a.Docker.BuildArgs["SERVICE"]; got != name {
			fail("artifact %s: buildArgs SERVICE is %q, want %s", a.Image, got, name)
		}
		if _, err := os.Stat(filepath.Join(root, a.Docker.Dockerfile)); err != nil {
			fail("artifact %s: %v", a.Image, err)
		}
	}
	for _, img := range images {
		if !seen[img] {
			fail("no artifact for image %s%s", imagePrefix, img)
		}
	}
	if len(s.Build.Artifacts) != len(images) {
		fail("%d artifacts, want %d", len(s.Build.Artifacts), len(images))
	}
	paths := func(m SkaffoldManifests) []string {
		if m.Kustomize == nil {
			return nil
		}
		return m.Kustomize.Paths
	}
	if p := paths(s.Manifests); len(p) != 1 || p[0] != profiles["dev"] {
		fail("default manifests %v, want [%s] (skaffold dev)", p, profiles["dev"])
	}
	got := map[string]bool{}
	for _, p := range s.Profiles {
		got[p.Name] = true
		want, ok := profiles[p.Name]
		if !ok {
			fail("unexpected profile %s", p.Name)
			continue
		}
		if ps := paths(p.Manifests); len(ps) != 1 || ps[0] != want {
			fail("profile %s deploys %v, want [%s]", p.Name, ps, want)
		}
	}
	for name, dir := range profiles {
		if !got[name] {
			fail("no profile %s", name)
		}
		if _, err := os.Stat(filepath.Join(root, dir, "kustomization.yaml")); err != nil {
			fail("profile %s: %v", name, err)
		}
	}
	return errors.Join(errs...)
}
