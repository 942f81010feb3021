// Package ferret runs FerretDB v1 embedded, with its SQLite backend.
package ferret

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // already linked by FerretDB; IndexIDPath opens its files
)

// Server is a running embedded FerretDB.
type Server struct {
	fdb    *ferretdb.FerretDB
	dir    string
	addr   string
	cancel context.CancelFunc
	done   chan struct{}
}

// newMu serialises ferretdb.New, which writes a package global
// (version.Get().Package): two servers starting at once race on it.
var newMu sync.Mutex

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
	newMu.Lock()
	fdb, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: fmt.Sprintf("127.0.0.1:%d", port)},
		Handler:  "sqlite",
		// synchronous(NORMAL): in WAL mode, a commit is durable against a
		// crash of the process but not of the machine, as MongoDB's default
		// (journal flushed every 100 ms), and it skips an fsync per write.
		SQLiteURL: (&url.URL{Scheme: "file", Path: dir + "/", OmitHost: true, RawQuery: "_pragma=synchronous(NORMAL)"}).String(),
		Logger:    slog.New(minLevel{level: slog.LevelError, Handler: log.Handler()}),
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("ferretdb: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{fdb: fdb, dir: dir, cancel: cancel, done: make(chan struct{})}
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

// IndexIDPath gives collection coll of database db the index FerretDB
// means its _id lookups to use, and reports false when there is no such
// collection (yet).
//
// FerretDB v1.24 (SQLite) indexes _id on the expression
// _ferretdb_sjson->"_id" but filters on _ferretdb_sjson->'$._id'. SQLite
// uses an expression index only for the very same expression, so every
// lookup by _id, and every update (which writes WHERE that expression),
// scans the whole table. This adds an index on the expression the queries
// use. It is idempotent, and safe while FerretDB runs: the file is in WAL
// mode and FerretDB waits on a busy database. Dropping the collection
// drops the index with its table.
func (s *Server) IndexIDPath(db, coll string) (bool, error) {
	name := filepath.Join(s.dir, db+".sqlite")
	if _, err := os.Stat(name); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	u := url.URL{Scheme: "file", Path: name, OmitHost: true, RawQuery: "mode=rw&_pragma=busy_timeout(10000)"}
	conn, err := sql.Open("sqlite", u.String())
	if err != nil {
		return false, fmt.Errorf("open %s: %w", name, err)
	}
	defer conn.Close()
	var table string
	err = conn.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, coll).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) || err != nil && strings.Contains(err.Error(), "no such table") {
		return false, nil // no such collection, or a database FerretDB is still creating
	}
	if err != nil {
		return false, fmt.Errorf("find the table of %s.%s: %w", db, coll, err)
	}
	q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_id_path", table)
	if _, err := conn.Exec(q); err != nil {
		return false, fmt.Errorf("index %s.%s by _id: %w", db, coll, err)
	}
	return true, nil
}

// minLevel passes on only records at or above its level. It adds the
// attributes and groups of With and WithGroup to the handler only when a
// record passes: FerretDB derives a logger for every query and
// transaction, and a TextHandler formats the attributes of each at once
// (about 2 % of the dev app's CPU under load, for records never written).
type minLevel struct {
	level slog.Level
	slog.Handler
	with []func(slog.Handler) slog.Handler // applied in order on Handle
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.Handler.Enabled(ctx, l)
}

func (h minLevel) Handle(ctx context.Context, r slog.Record) error {
	inner := h.Handler
	for _, f := range h.with {
		inner = f(inner)
	}
	return inner.Handle(ctx, r)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return h.then(func(in slog.Handler) slog.Handler { return in.WithAttrs(as) })
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return h.then(func(in slog.Handler) slog.Handler { return in.WithGroup(name) })
}

func (h minLevel) then(f func(slog.Handler) slog.Handler) minLevel {
	return minLevel{h.level, h.Handler, append(slices.Clip(h.with), f)}
}
