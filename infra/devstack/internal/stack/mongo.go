package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/gittix/ticketing/infra/devstack/internal/ferret"
	"github.com/gittix/ticketing/infra/devstack/internal/mongofront"
)

// startMongo starts FerretDB (SQLite) behind mongofront, or uses MONGO_URI.
func startMongo(_ context.Context, cfg Config, log *slog.Logger) (part, error) {
	if uri := cfg.Getenv(EnvMongoURI); uri != "" {
		log.Info("using external server", "server", "mongodb", "env", EnvMongoURI)
		return part{name: "mongodb", env: map[string]string{EnvMongoURI: uri}}, nil
	}
	dir, temp := cfg.subdir("ferretdb"), false
	if dir == "" {
		d, err := os.MkdirTemp("", "devstack-ferretdb-")
		if err != nil {
			return part{}, fmt.Errorf("ferretdb temp dir: %w", err)
		}
		dir, temp = d, true
	}
	removeTemp := func() error {
		if temp {
			return os.RemoveAll(dir)
		}
		return nil
	}
	fdb, err := ferret.Start(dir, 0, log)
	if err != nil {
		return part{}, errors.Join(err, removeTemp())
	}
	front, err := mongofront.Start("127.0.0.1:0", fdb.Addr(), log, mongofront.WithCollectionHook(fdb.IndexIDPath))
	if err != nil {
		fdb.Stop()
		return part{}, errors.Join(err, removeTemp())
	}
	log.Info("started", "server", "mongodb", "kind", "ferretdb (sqlite) behind mongofront",
		"addr", front.Addr(), "ferretdb_addr", fdb.Addr(), "dir", dir)
	return part{
		name: "mongodb",
		env:  map[string]string{EnvMongoURI: front.URI()},
		stop: func() error {
			err := front.Close()
			fdb.Stop()
			return errors.Join(err, removeTemp())
		},
	}, nil
}
