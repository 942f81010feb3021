package manifests

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// Workflow is the part of a GitHub Actions workflow the cross-checks read. actionlint checks
// the rest.
type Workflow struct {
	Name string `yaml:"name"`
	On   struct {
		PullRequest *Trigger `yaml:"pull_request"`
		Push        *Trigger `yaml:"push"`
	} `yaml:"on"`
	Jobs map[string]Job `yaml:"jobs"`
}

// Trigger is a push or pull_request trigger.
type Trigger struct {
	Branches []string `yaml:"branches"`
	Paths    []string `yaml:"paths"`
}

// Job is one job.
type Job struct {
	Needs    any               `yaml:"needs"`
	Env      map[string]string `yaml:"env"`
	Defaults struct {
		Run struct {
			WorkingDirectory string `yaml:"working-directory"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Steps []Step `yaml:"steps"`
}

// Step is one step.
type Step struct {
	Name             string            `yaml:"name"`
	Uses             string            `yaml:"uses"`
	With             map[string]string `yaml:"with"`
	Run              string            `yaml:"run"`
	WorkingDirectory string            `yaml:"working-directory"`
}

// ParseWorkflow decodes a workflow file.
func ParseWorkflow(data []byte) (*Workflow, error) {
	var w Workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, err
	}
	if w.Name == "" || len(w.Jobs) == 0 || (w.On.PullRequest == nil && w.On.Push == nil) {
		return nil, errors.New("workflow needs a name, jobs and a push or pull_request trigger")
	}
	return &w, nil
}

// Runs returns every run script of the workflow, with the directory it runs in.
func (w *Workflow) Runs() (scripts, dirs []string) {
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if s.Run == "" {
				continue
			}
			dir := cmpOr(s.WorkingDirectory, j.Defaults.Run.WorkingDirectory, ".")
			scripts, dirs = append(scripts, s.Run), append(dirs, dir)
		}
	}
	return scripts, dirs
}

func cmpOr(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

var (
	pinnedAction = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	usesLine     = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)(.*)$`)
	versionNote  = regexp.MustCompile(`^\s*#\s*v\d+(\.\d+){0,2}\s*$`)
	dockerFile   = regexp.MustCompile(`(?:--file|-f)[ =](\S+)`)
	kubectlApply = regexp.MustCompile(`kubectl (?:apply -k|kustomize) (\S+)`)
)

// CheckWorkflow checks one workflow against the repository at root: every action is pinned to a
// commit SHA (a tag can be moved to other code), every paths filter matches something, every working directory, go-version-file,
// Dockerfile and kustomization it names exists.
func CheckWorkflow(name string, w *Workflow, root string) error {
	var errs []error
	fail := func(format string, a ...any) { errs = append(errs, fmt.Errorf(name+": "+format, a...)) }
	for _, t := range []*Trigger{w.On.PullRequest, w.On.Push} {
		if t == nil {
			continue
		}
		for _, p := range t.Paths {
			glob := strings.ReplaceAll(p, "**", "*")
			if m, _ := filepath.Glob(filepath.Join(root, glob)); len(m) == 0 {
				fail("paths filter %q matches nothing", p)
			}
		}
	}
	isDir := func(d string) bool {
		fi, err := os.Stat(filepath.Join(root, d))
		return err == nil && fi.IsDir()
	}
	isFile := func(f string) bool {
		fi, err := os.Stat(filepath.Join(root, f))
		return err == nil && !fi.IsDir()
	}
	for jn, j := range w.Jobs {
		if d := j.Defaults.Run.WorkingDirectory; d != "" && !isDir(d) {
			fail("job %s: working-directory %s does not exist", jn, d)
		}
		for _, s := range j.Steps {
			if s.WorkingDirectory != "" && !isDir(s.WorkingDirectory) {
				fail("job %s: working-directory %s does not exist", jn, s.WorkingDirectory)
			}
			if s.Uses != "" && !pinnedAction.MatchString(s.Uses) {
				fail("job %s: action %s is not pinned to a commit SHA", jn, s.Uses)
			}
			if f := s.With["go-version-file"]; f != "" && !isFile(f) {
				fail("job %s: go-version-file %s does not exist", jn, f)
			}
		}
	}
	scripts, dirs := w.Runs()
	for i, sc := range scripts {
		if strings.Contains(sc, "docker build") {
			for _, m := range dockerFile.FindAllStringSubmatch(sc, -1) {
				if !isFile(filepath.Join(dirs[i], m[1])) {
					fail("docker build file %s does not exist", m[1])
				}
			}
		}
		for _, m := range kubectlApply.FindAllStringSubmatch(sc, -1) {
			if !isFile(filepath.Join(dirs[i], m[1], "kustomization.yaml")) {
				fail("kubectl apply -k %s: no kustomization there", m[1])
			}
		}
	}
	return errors.Join(errs...)
}

// Lint runs actionlint (with shellcheck when it is installed) on workflow files and returns
// its findings as errors. content maps a file name to its bytes.
func Lint(files map[string][]byte) ([]error, error) {
	opts := &actionlint.LinterOptions{}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = p
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []error
	for _, n := range names {
		findings, err := l.Lint(n, files[n], nil)
		if err != nil {
			return nil, fmt.Errorf("actionlint %s: %w", n, err)
		}
		for _, f := range findings {
			out = append(out, fmt.Errorf("%s:%d:%d: %s [%s]", n, f.Line, f.Column, f.Message, f.Kind))
		}
	}
	return out, nil
}

// CheckPinComments checks that every action pinned by SHA in the workflow file says which
// version the SHA is (uses: owner/repo@<sha> # vX.Y.Z), so that a reader and an updater know.
func CheckPinComments(name string, raw []byte) error {
	var errs []error
	for i, line := range strings.Split(string(raw), "\n") {
		m := usesLine.FindStringSubmatch(line)
		if m == nil || !pinnedAction.MatchString(m[1]) {
			continue
		}
		if !versionNote.MatchString(m[2]) {
			errs = append(errs, fmt.Errorf("%s:%d: %s has no version comment (# vX.Y.Z)", name, i+1, m[1]))
		}
	}
	return errors.Join(errs...)
}
