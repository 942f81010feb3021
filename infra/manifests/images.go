package manifests

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

func imageName(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

// CheckImages checks that every image of the set is a skaffold artifact or a third-party image
// pinned to a tag other than latest, and that every artifact is used.
func CheckImages(s Set, artifacts []string, ownPrefix string) error {
	var errs []error
	used := map[string]bool{}
	for _, c := range s.Containers() {
		name := imageName(c.Image)
		switch {
		case slices.Contains(artifacts, name):
			used[name] = true
		case strings.HasPrefix(name, ownPrefix):
			errs = append(errs, fmt.Errorf("%s: image %s is not a skaffold artifact", c, c.Image))
		case name == c.Image || strings.HasSuffix(c.Image, ":latest"):
			errs = append(errs, fmt.Errorf("%s: third-party image %s is not pinned to a version", c, c.Image))
		}
	}
	for _, a := range artifacts {
		if !used[a] {
			errs = append(errs, fmt.Errorf("skaffold artifact %s is used by no container", a))
		}
	}
	return errors.Join(errs...)
}

var (
	digestRef = regexp.MustCompile(`^[^@\s]+:[^@:/\s]+@sha256:[0-9a-f]{64}$`)
	commitTag = regexp.MustCompile(`:[0-9a-f]{40}$`)
)

// CheckPinnedImages checks that every third-party image is pinned by digest (name:tag@sha256:…,
// the tag kept for the reader) and, when commitTags, that every image of ours (ownPrefix) runs
// by the 40-hex commit tag the deploy workflows push — never a mutable tag or none.
func CheckPinnedImages(s Set, ownPrefix string, commitTags bool) error {
	var errs []error
	for _, c := range s.Containers() {
		switch {
		case strings.HasPrefix(c.Image, ownPrefix):
			if commitTags && !commitTag.MatchString(c.Image) {
				errs = append(errs, fmt.Errorf("%s: image %s is not a commit tag (kustomize images: newTag <commit sha>)", c, c.Image))
			}
		case !digestRef.MatchString(c.Image):
			errs = append(errs, fmt.Errorf("%s: third-party image %s is not pinned by digest (name:tag@sha256:…)", c, c.Image))
		}
	}
	return errors.Join(errs...)
}
