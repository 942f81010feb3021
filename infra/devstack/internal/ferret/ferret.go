// Package ferret runs FerretDB v1 embedded, with its SQLite backend.
package ferret

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Server is a running embedded FerretDB.
type Server struct {
	fdb    *ferretdb.FerretDB
	addr   string
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs FerretDB on 127.0.0.1:port (0: a free port) with its SQLite
// files in dir, which is created if needed. FerretDB logs every error reply
// at WARN, so only errors of log reach the output.
func Start(dir string, port int, log *slog.Logger) (*Server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("ferretdb data dir: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("ferretdb data dir: %w", err)
	}
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: fmt.Sprintf("127.0.0.1:%d", port)},
		Handler:   "sqlite",
		SQLiteURL: (&url.URL{Scheme: "file", Path: dir + "/", OmitHost: true}).String(),
		Logger:    slog.New(minLevel{slog.LevelError, log.Handler()}),
	})
	if err != nil {
		return nil, fmt.Errorf("ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{fdb: fdb, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = fdb.Run(ctx)
	}()
	// MongoDBURI waits until the listener is up.
	u, err := url.Parse(fdb.MongoDBURI())
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("ferretdb uri: %w", err)
	}
	s.addr = u.Host
	return s, nil
}

// Addr is the host:port FerretDB listens on.
func (s *Server) Addr() string { return s.addr }

// URI is a MongoDB connection string for FerretDB itself (without a front).
func (s *Server) URI() string { return "mongodb://" + s.addr + "/" }

// Stop closes the listener and every connection, and waits for FerretDB to
// close its backend.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
}

// minLevel passes on only records at or above its level.
type minLevel struct {
	level slog.Level
	slog.Handler
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.level, h.Handler.WithAttrs(as)}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.level, h.Handler.WithGroup(name)}
}
