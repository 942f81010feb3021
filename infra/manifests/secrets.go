package manifests

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Services are the stateless services, each the Deployment <name>-depl.
var Services = []string{"auth", "tickets", "orders", "expiration", "payments", "client"}

// Publishes maps each NATS user (a service) to the subjects it owns and alone may publish.
var Publishes = map[string][]string{
	"auth":       {"user:created", "user:banned"},
	"tickets":    {"ticket:created", "ticket:updated"},
	"orders":     {"order:created", "order:cancelled"},
	"expiration": {"expiration:complete"},
	"payments":   {"payment:created", "payment:refunded"},
	// notifications publishes nothing; it has a NATS user of its own.
	"notifications": {},
}

// Secrets are the only secrets the manifests may read: name → key → the workloads that may read
// that key (each under an environment variable of the key's name). A service reads its own
// store's password and its own NATS password, never another's and never a store's root password.
var Secrets = secretTable()

func secretTable() map[string]map[string][]string {
	t := map[string]map[string][]string{
		"jwt-secret":              {"JWT_KEY": {"auth-depl", "tickets-depl", "orders-depl", "payments-depl"}},
		"stripe-secret":           {"STRIPE_KEY": {"payments-depl"}, "STRIPE_WEBHOOK_SECRET": {"payments-depl"}},
		"expiration-redis-secret": {"REDIS_PASSWORD": {"expiration-depl", "expiration-redis"}},
		"nats-secret":             {"NATS_STAN_PASSWORD": {"nats"}},
		"smtp-secret":             {"SMTP_URL": {"notifications-depl"}},
	}
	for _, svc := range []string{"auth", "tickets", "orders", "payments", "notifications"} {
		t[svc+"-mongo-secret"] = map[string][]string{
			"MONGO_PASSWORD":             {svc + "-depl", svc + "-mongo"},
			"MONGO_INITDB_ROOT_PASSWORD": {svc + "-mongo"},
		}
	}
	for svc := range Publishes {
		t["nats-secret"]["NATS_"+strings.ToUpper(svc)+"_PASSWORD"] = []string{svc + "-depl", "nats"}
	}
	return t
}

// CheckSecretRefs checks that every secret a container reads is in allowed, read by a workload
// allowed to read it, under an environment variable named like its key. envFrom and secret
// volumes are not used and are reported.
func CheckSecretRefs(s Set, allowed map[string]map[string][]string) error {
	var errs []error
	for _, c := range s.Containers() {
		for _, e := range c.Container.Env {
			if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				continue
			}
			ref := e.ValueFrom.SecretKeyRef
			keys, ok := allowed[ref.Name]
			readers, keyOK := keys[ref.Key]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s: env %s reads unknown secret %q", c, e.Name, ref.Name))
			case !keyOK:
				errs = append(errs, fmt.Errorf("%s: env %s reads key %q of secret %s, which is not one of its documented keys", c, e.Name, ref.Key, ref.Name))
			case e.Name != ref.Key:
				errs = append(errs, fmt.Errorf("%s: secret %s/%s is bound to env %s, want %s", c, ref.Name, ref.Key, e.Name, ref.Key))
			case !slices.Contains(readers, c.Workload.Name):
				errs = append(errs, fmt.Errorf("%s: reads %s/%s, which only %v may read", c, ref.Name, ref.Key, readers))
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
