package manifests

import (
	"errors"
	"fmt"
)

// Secrets are the only secrets the manifests may read: name → the one documented key.
var Secrets = map[string]string{
	"jwt-secret":    "JWT_KEY",
	"stripe-secret": "STRIPE_KEY",
}

// CheckSecretRefs checks that every secret a container reads is one of allowed (name → key),
// read by its documented key. envFrom and secret volumes are not used and are reported.
func CheckSecretRefs(s Set, allowed map[string]string) error {
	var errs []error
	for _, c := range s.Containers() {
		for _, e := range c.Container.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			key, ok := allowed[ref.Name]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: env %s reads unknown secret %q", c, e.Name, ref.Name))
			case ref.Key != key:
				errs = append(errs, fmt.Errorf("%s: env %s reads key %q of secret %s, want %q", c, e.Name, ref.Key, ref.Name, key))
			case e.Name != key:
				errs = append(errs, fmt.Errorf("%s: secret %s/%s is bound to env %s, want %s", c, ref.Name, key, e.Name, key))
			}
		}
		for _, ef := range c.EnvFrom {
			if ef.SecretRef != nil {
				errs = append(errs, fmt.Errorf("%s: envFrom secret %q (read single keys with secretKeyRef)", c, ef.SecretRef.Name))
			}
		}
	}
	for _, w := range s.Workloads() {
		for _, v := range w.Template.Spec.Volumes {
			if v.Secret != nil {
				errs = append(errs, fmt.Errorf("%s %s: secret volume %q", w.Kind, w.Name, v.Secret.SecretName))
			}
		}
	}
	return errors.Join(errs...)
}
