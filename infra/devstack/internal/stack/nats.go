package stack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	stand "github.com/nats-io/nats-streaming-server/server"
	"github.com/nats-io/nats-streaming-server/stores"
)

// startNATS starts the broker BUS names — NATS Streaming (the default) or
// nats-server with JetStream — embedded, or uses NATS_URL. A broker it
// starts requires a user and a password made for this run, as the cluster's
// does; NATS_URL carries them (in its user-info part).
func startNATS(ctx context.Context, cfg Config, log *slog.Logger) (part, error) {
	switch b := cfg.Getenv(EnvBus); b {
	case "", BusStan:
		return startStan(ctx, cfg, log)
	case BusJetStream:
		return startJetStream(ctx, cfg, log)
	default:
		return part{name: "nats"}, fmt.Errorf("%s is %q, want %s or %s", EnvBus, b, BusStan, BusJetStream)
	}
}

// startStan starts NATS Streaming embedded (file store under the data dir,
// else memory), or uses NATS_URL.
func startStan(_ context.Context, cfg Config, log *slog.Logger) (part, error) {
	if url := cfg.Getenv(EnvNATSURL); url != "" {
		id := cmp.Or(cfg.Getenv(EnvNATSClusterID), ClusterID)
		log.Info("using external server", "server", "nats-streaming", "env", EnvNATSURL, "cluster_id", id)
		return part{name: "nats-streaming", env: map[string]string{EnvBus: BusStan, EnvNATSURL: url, EnvNATSClusterID: id}}, nil
	}
	sOpts := stand.GetDefaultOptions()
	sOpts.ID = ClusterID
	if dir := cfg.subdir("nats"); dir != "" {
		sOpts.StoreType = stores.TypeFile
		sOpts.FilestoreDir = dir
	}
	nOpts := stand.DefaultNatsServerOptions // a copy
	nOpts.Host = "127.0.0.1"
	nOpts.Port = natsserver.RANDOM_PORT
	// The streaming server's own connection uses these too.
	nOpts.Username, nOpts.Password = natsUser, randomSecret()
	srv, err := stand.RunServerWithOpts(sOpts, &nOpts)
	if err != nil {
		return part{}, fmt.Errorf("nats streaming: %w", err)
	}
	url, err := withUser(srv.ClientURL(), nOpts.Username, nOpts.Password)
	if err != nil {
		srv.Shutdown()
		return part{}, err
	}
	log.Info("started", "server", "nats-streaming", "kind", "embedded", "store", sOpts.StoreType,
		"url", srv.ClientURL(), "user", natsUser, "cluster_id", ClusterID, "dir", sOpts.FilestoreDir)
	return part{
		name: "nats-streaming",
		env:  map[string]string{EnvBus: BusStan, EnvNATSURL: url, EnvNATSClusterID: ClusterID},
		stop: func() error { srv.Shutdown(); return nil },
	}, nil
}

// startJetStream starts nats-server with JetStream embedded, storing under
// the data dir (else a temporary directory, removed by stop), or uses
// NATS_URL (which must have JetStream enabled).
func startJetStream(_ context.Context, cfg Config, log *slog.Logger) (part, error) {
	env := map[string]string{EnvBus: BusJetStream}
	if url := cfg.Getenv(EnvNATSURL); url != "" {
		log.Info("using external server", "server", "nats-jetstream", "env", EnvNATSURL)
		env[EnvNATSURL] = url
		return part{name: "nats-jetstream", env: env}, nil
	}
	dir, cleanup := cfg.subdir("jetstream"), func() error { return nil }
	if dir == "" {
		tmp, err := os.MkdirTemp("", "devstack-jetstream-")
		if err != nil {
			return part{name: "nats-jetstream"}, fmt.Errorf("jetstream store: %w", err)
		}
		dir, cleanup = tmp, func() error { return os.RemoveAll(tmp) }
	}
	password := randomSecret()
	srv, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, NoLog: true, NoSigs: true,
		JetStream: true, StoreDir: dir, Username: natsUser, Password: password,
	})
	if err != nil {
		return part{name: "nats-jetstream"}, errors.Join(fmt.Errorf("nats jetstream: %w", err), cleanup())
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return part{name: "nats-jetstream"}, errors.Join(errors.New("nats jetstream not ready in 10s"), cleanup())
	}
	url, err := withUser(srv.ClientURL(), natsUser, password)
	if err != nil {
		srv.Shutdown()
		return part{name: "nats-jetstream"}, errors.Join(err, cleanup())
	}
	env[EnvNATSURL] = url
	log.Info("started", "server", "nats-jetstream", "kind", "embedded", "url", srv.ClientURL(), "user", natsUser, "dir", dir)
	return part{
		name: "nats-jetstream",
		env:  env,
		stop: func() error { srv.Shutdown(); srv.WaitForShutdown(); return cleanup() },
	}, nil
}

// natsUser is the user of the brokers the stack starts.
const natsUser = "gittix-dev"

// withUser returns the NATS URL u carrying user and password.
func withUser(u, user, password string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("nats url %q: %w", u, err)
	}
	p.User = url.UserPassword(user, password)
	return p.String(), nil
}
