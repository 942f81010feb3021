package stack

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"

	natsserver "github.com/nats-io/nats-server/v2/server"
	stand "github.com/nats-io/nats-streaming-server/server"
	"github.com/nats-io/nats-streaming-server/stores"
)

// startNATS starts NATS Streaming embedded (file store under the data dir,
// else memory), or uses NATS_URL.
func startNATS(_ context.Context, cfg Config, log *slog.Logger) (part, error) {
	if url := cfg.Getenv(EnvNATSURL); url != "" {
		id := cmp.Or(cfg.Getenv(EnvNATSClusterID), ClusterID)
		log.Info("using external server", "server", "nats-streaming", "env", EnvNATSURL, "cluster_id", id)
		return part{name: "nats-streaming", env: map[string]string{EnvNATSURL: url, EnvNATSClusterID: id}}, nil
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
	srv, err := stand.RunServerWithOpts(sOpts, &nOpts)
	if err != nil {
		return part{}, fmt.Errorf("nats streaming: %w", err)
	}
	url := srv.ClientURL()
	log.Info("started", "server", "nats-streaming", "kind", "embedded", "store", sOpts.StoreType,
		"url", url, "cluster_id", ClusterID, "dir", sOpts.FilestoreDir)
	return part{
		name: "nats-streaming",
		env:  map[string]string{EnvNATSURL: url, EnvNATSClusterID: ClusterID},
		stop: func() error { srv.Shutdown(); return nil },
	}, nil
}
