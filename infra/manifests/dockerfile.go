package manifests

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Instruction is one Dockerfile instruction, continuation lines joined.
type Instruction struct {
	Line int    // first line, 1-based
	Cmd  string // upper case: FROM, RUN, COPY, USER, …
	Args string
}

// Stage is one build stage: its FROM and what follows it.
type Stage struct {
	Image, Name  string
	Instructions []Instruction
}

// ParseDockerfile splits a Dockerfile into stages. It understands comments, parser directives
// and line continuations with a backslash, which is all our Dockerfiles use.
func ParseDockerfile(data []byte) ([]Stage, error) {
	var stages []Stage
	sc := bufio.NewScanner(bytes.NewReader(data))
	var cur strings.Builder
	start, n := 0, 0
	flush := func() error {
		text := strings.TrimSpace(cur.String())
		cur.Reset()
		if text == "" {
			return nil
		}
		cmd, args, _ := strings.Cut(text, " ")
		in := Instruction{Line: start, Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)}
		if in.Cmd == "FROM" {
			f := strings.Fields(in.Args)
			var st Stage
			for _, w := range f {
				if !strings.HasPrefix(w, "--") {
					st.Image = w
					break
				}
			}
			if len(f) >= 3 && strings.EqualFold(f[len(f)-2], "AS") {
				st.Name = f[len(f)-1]
			}
			stages = append(stages, st)
			return nil
		}
		if len(stages) == 0 {
			return fmt.Errorf("line %d: %s before FROM", start, in.Cmd)
		}
		stages[len(stages)-1].Instructions = append(stages[len(stages)-1].Instructions, in)
		return nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "#") || (t == "" && cur.Len() == 0) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if l, ok := strings.CutSuffix(strings.TrimRight(line, " \t"), `\`); ok {
			cur.WriteString(l + " ")
			continue
		}
		cur.WriteString(line)
		if err := flush(); err != nil {
			return nil, err
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		return nil, errors.New("no FROM")
	}
	return stages, sc.Err()
}

// FinalImage is the only base our images may run on.
const FinalImage = "gcr.io/distroless/static-debian12:nonroot"

// CheckDockerfile checks the shared Dockerfile, built for service (--build-arg SERVICE=service),
// against the build contract: a golang:1.26 build stage that declares ARG SERVICE that downloads modules with a cache mount before copying the sources and builds
// ./cmd/<service> with CGO_ENABLED=0 -trimpath, GOWORK=off; a distroless static final stage
// that runs as a non-root user. exists reports whether a path (relative to the build context,
// the repository root) exists; every COPY source must.
func CheckDockerfile(stages []Stage, service string, exists func(glob string) bool) error {
	var errs []error
	fail := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("Dockerfile (SERVICE="+service+"): "+format, a...))
	}
	if len(stages) < 2 {
		fail("%d stage(s), want a multi-stage build", len(stages))
		return errors.Join(errs...)
	}
	build, final := stages[0], stages[len(stages)-1]
	hasArg := false
	build.Instructions = slices.Clone(build.Instructions)
	for i, in := range build.Instructions {
		if in.Cmd == "ARG" && strings.Fields(in.Args)[0] == "SERVICE" {
			hasArg = true
		}
		if hasArg { // what docker does with --build-arg SERVICE=service
			in.Args = strings.NewReplacer("${SERVICE}", service, "$SERVICE", service).Replace(in.Args)
			build.Instructions[i] = in
		}
	}
	if !hasArg {
		fail("build stage declares no ARG SERVICE")
	}
	if !strings.HasPrefix(build.Image, "golang:1.26") {
		fail("build stage FROM %s, want golang:1.26", build.Image)
	}
	if final.Image != FinalImage {
		fail("final stage FROM %s, want %s", final.Image, FinalImage)
	}
	user := ""
	for _, in := range final.Instructions {
		if in.Cmd == "USER" {
			user = in.Args
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		fail("final stage runs as %q, want a non-root USER", user)
	}
	downloaded, sourcesCopied, built := false, false, false
	for _, in := range build.Instructions {
		switch in.Cmd {
		case "COPY":
			var srcs []string
			for _, f := range strings.Fields(in.Args) {
				if !strings.HasPrefix(f, "--") {
					srcs = append(srcs, f)
				}
			}
			if len(srcs) < 2 {
				fail("line %d: COPY without source and destination", in.Line)
				continue
			}
			any := false
			for _, src := range srcs[:len(srcs)-1] {
				if exists(filepath.Clean(src)) {
					any = true
				}
			}
			if !any {
				fail("line %d: COPY source %v does not exist in the build context", in.Line, srcs[:len(srcs)-1])
			}
			if slices0(srcs) == service+"/" {
				sourcesCopied = true
			}
		case "RUN":
			if strings.Contains(in.Args, "go mod download") {
				if !strings.Contains(in.Args, "--mount=type=cache") {
					fail("line %d: go mod download without a cache mount", in.Line)
				}
				if sourcesCopied {
					fail("line %d: go mod download after the sources are copied (no layer reuse)", in.Line)
				}
				downloaded = true
			}
			if strings.Contains(in.Args, "go build") {
				built = true
				for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "GOWORK=off", "-o /out/", "./cmd/" + service} {
					if !strings.Contains(in.Args, want) {
						fail("line %d: go build without %s", in.Line, want)
					}
				}
			}
		}
	}
	if !downloaded {
		fail("no cached go mod download")
	}
	if !sourcesCopied {
		fail("build stage does not COPY %s/", service)
	}
	if !built {
		fail("no go build")
	}
	return errors.Join(errs...)
}

func slices0(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
