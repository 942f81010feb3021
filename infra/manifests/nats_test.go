package manifests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	stand "github.com/nats-io/nats-streaming-server/server"
	"github.com/nats-io/stan.go"
)

// TestNATSConfigLive starts NATS Streaming with the nats.conf of the manifests (passwords from
// the environment, as in the pod) and checks, over the real protocol, that every service's user
// connects, subscribes durably to any channel, publishes the subjects it owns and is refused
// every other; and that a wrong password is refused. Not parallel: it sets the environment.
func TestNATSConfigLive(t *testing.T) {
	s := render(t, "infra/k8s")
	path := filepath.Join(t.TempDir(), "nats.conf")
	if err := os.WriteFile(path, []byte(s.ConfigMap("nats-config").Data["nats.conf"]), 0o600); err != nil {
		t.Fatal(err)
	}
	pass := func(user string) string { return "test-" + user + "-0123456789abcdef0123456789abcdef" }
	t.Setenv("NATS_STAN_PASSWORD", pass("stan"))
	for user := range Publishes {
		t.Setenv("NATS_"+strings.ToUpper(user)+"_PASSWORD", pass(user))
	}
	nOpts, err := natsserver.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nOpts.Host, nOpts.Port, nOpts.HTTPPort = "127.0.0.1", natsserver.RANDOM_PORT, 0
	sOpts := stand.GetDefaultOptions()
	if err := stand.ProcessConfigFile(path, sOpts); err != nil {
		t.Fatal(err)
	}
	sOpts.ID = "ticketing"
	srv, err := stand.RunServerWithOpts(sOpts, nOpts)
	if err != nil {
		t.Fatalf("NATS Streaming with the manifests' nats.conf: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	addr := strings.TrimPrefix(srv.ClientURL(), "nats://")

	var all []string
	for _, subjects := range Publishes {
		all = append(all, subjects...)
	}
	for user, own := range Publishes {
		t.Run(user, func(t *testing.T) {
			sc, err := stan.Connect("ticketing", user+"-test",
				stan.NatsURL(fmt.Sprintf("nats://%s:%s@%s", user, pass(user), addr)),
				stan.PubAckWait(time.Second), stan.ConnectWait(5*time.Second))
			if err != nil {
				t.Fatalf("connect as %s: %v", user, err)
			}
			defer sc.Close()
			sub, err := sc.QueueSubscribe(all[0], user+"-service", func(*stan.Msg) {},
				stan.DurableName(user+"-service"), stan.SetManualAckMode(), stan.DeliverAllAvailable())
			if err != nil {
				t.Fatalf("subscribe as %s: %v", user, err)
			}
			defer sub.Close()
			for _, subject := range all {
				err := sc.Publish(subject, []byte(`{}`))
				if mine := strings.Contains(strings.Join(own, " "), subject); mine && err != nil {
					t.Errorf("%s may not publish its own %s: %v", user, subject, err)
				} else if !mine && err == nil {
					t.Errorf("%s published %s, which it does not own", user, subject)
				}
			}
		})
	}
	if sc, err := stan.Connect("ticketing", "intruder", stan.NatsURL("nats://payments:wrong@"+addr),
		stan.ConnectWait(2*time.Second)); err == nil {
		sc.Close()
		t.Error("a wrong password connected")
	}
}
