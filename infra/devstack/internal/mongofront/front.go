// Package mongofront is a thin MongoDB wire-protocol proxy that makes
// single-document updates atomic on FerretDB v1.
//
// FerretDB v1 runs an update (and findAndModify) as a query followed by a
// separate write, with no isolation, so two concurrent compare-and-set
// updates can both win. The front forwards each client connection to its own
// upstream connection (cursors keep working) and runs every command that may
// write one at a time per database, under that database's lock, for the
// whole request/reply round trip. Read commands take no lock: each SQLite
// statement is atomic (WAL mode), so a read sees a document before or after
// a write, never half of it, and a read sent after a write's reply sees
// the write. A lock on reads would make every write wait for the read in
// flight: a 1,000-document list query (~50 ms) would hold up the writes of
// its database. A bulk update or delete goes upstream one statement at a
// time, each under the lock on its own (bulk.go).
package mongofront

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"
)

// readCommands are the commands that never write; all others take the write
// lock. Names are case-sensitive, as in MongoDB.
var readCommands = map[string]bool{
	"find": true, "aggregate": true, "count": true, "distinct": true,
	"getMore": true, "killCursors": true, "explain": true,
	"listCollections": true, "listIndexes": true, "listDatabases": true,
	"hello": true, "isMaster": true, "ismaster": true, "ping": true,
	"buildInfo": true, "buildinfo": true, "getParameter": true,
	"getCmdLineOpts": true, "listCommands": true,
	"saslStart": true, "saslContinue": true, "authenticate": true, "logout": true,
	"endSessions": true, "connectionStatus": true,
	"dbStats": true, "collStats": true, "dataSize": true, "serverStatus": true,
	"whatsmyuri": true, "getLog": true, "hostInfo": true,
	"getFreeMonitoringStatus": true, "validate": true,
}

// IsRead reports whether the command named name only reads.
func IsRead(name string) bool { return readCommands[name] }

// Front is a running proxy.
type Front struct {
	ln       net.Listener
	upstream string
	log      *slog.Logger

	// locks holds one lock per database, taken by every command but the
	// reads. FerretDB's lack of isolation is between commands on the same
	// documents, so databases need not wait for each other.
	locksMu sync.Mutex
	locks   map[string]*sync.Mutex

	// created is called after a write that may have created a collection,
	// once per collection (see WithCollectionHook).
	created func(db, coll string) (bool, error)
	knownMu sync.Mutex
	known   map[string]bool // db + "." + coll: created returned true

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// An Option configures a Front.
type Option func(*Front)

// WithCollectionHook has the front call fn after the first successful
// command that may create collection coll of database db (insert, update,
// findAndModify, create, createIndexes), while it still holds that
// database's write lock, until fn reports true. A dropped collection or
// database is called for again when it comes back.
func WithCollectionHook(fn func(db, coll string) (bool, error)) Option {
	return func(f *Front) { f.created = fn }
}

// Start listens on addr (e.g. "127.0.0.1:0") and forwards to the MongoDB
// wire-protocol server at upstream (host:port).
func Start(addr, upstream string, log *slog.Logger, opts ...Option) (*Front, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mongofront listen: %w", err)
	}
	f := &Front{ln: ln, upstream: upstream, log: log, conns: make(map[net.Conn]struct{}), known: make(map[string]bool)}
	for _, o := range opts {
		o(f)
	}
	f.wg.Add(1)
	go f.accept()
	return f, nil
}

// Addr is the address the front listens on.
func (f *Front) Addr() string { return f.ln.Addr().String() }

// URI is a MongoDB connection string for the front.
func (f *Front) URI() string { return "mongodb://" + f.Addr() + "/" }

// Close stops accepting, closes every connection and waits for the
// connection goroutines to end.
func (f *Front) Close() error {
	f.mu.Lock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	err := f.ln.Close()
	f.wg.Wait()
	return err
}

// track registers c, or reports false (and closes c) once the front is closed.
func (f *Front) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		_ = c.Close()
		return false
	}
	f.conns[c] = struct{}{}
	return true
}

func (f *Front) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	_ = c.Close()
}

func (f *Front) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				f.log.Error("mongofront accept", "err", err)
			}
			return
		}
		if !f.track(c) {
			return
		}
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer f.untrack(c)
			if err := f.serve(c); err != nil && !isClosed(err) {
				f.log.Warn("mongofront connection", "err", err)
			}
		}()
	}
}

// serve proxies one client connection over its own upstream connection,
// strictly one request and its reply at a time.
func (f *Front) serve(client net.Conn) error {
	up, err := net.DialTimeout("tcp", f.upstream, 5*time.Second)
	if err != nil {
		return fmt.Errorf("dial upstream: %w", err)
	}
	if !f.track(up) {
		return nil
	}
	defer f.untrack(up)

	cr, ur := bufio.NewReader(client), bufio.NewReader(up)
	for {
		req, err := readMessage(cr)
		if err != nil {
			return err
		}
		if err := f.roundTrip(req, client, up, ur); err != nil {
			return err
		}
	}
}

func (f *Front) roundTrip(req []byte, client, up net.Conn, ur *bufio.Reader) error {
	read := true // OP_QUERY (the legacy handshake) counts as a read
	var name string
	if opCode(req) != opQuery {
		var err error
		name, err = commandName(req)
		read = err == nil && IsRead(name)
	}
	db := commandDB(req)
	if !read {
		if parts, ordered := splitBulk(name, req); parts != nil {
			return f.roundTripBulk(name, db, req, parts, ordered, client, up, ur)
		}
		lock := f.lockFor(db)
		lock.Lock()
		defer lock.Unlock()
		rw, err := rewriteCAS(name, req, up, ur)
		if err != nil {
			return err
		}
		if rw != nil {
			req = rw
		}
	}
	clearExhaustAllowed(req)
	if _, err := up.Write(req); err != nil {
		return fmt.Errorf("write upstream: %w", err)
	}
	if msgFlags(req)&flagMoreToCome != 0 {
		return nil // fire and forget: the server sends no reply
	}
	for {
		reply, err := readMessage(ur)
		if err != nil {
			return fmt.Errorf("read upstream: %w", err)
		}
		if _, err := client.Write(reply); err != nil {
			return fmt.Errorf("write client: %w", err)
		}
		// Without exhaustAllowed the server should never stream replies,
		// but if it does, pass the whole stream on.
		if msgFlags(reply)&flagMoreToCome == 0 {
			break
		}
	}
	if !read {
		f.afterWrite(name, db, req)
	}
	return nil
}

// afterWrite keeps track of the collections that exist, and calls the
// collection hook for a new one.
func (f *Front) afterWrite(name, db string, req []byte) {
	if f.created == nil {
		return
	}
	switch name {
	case "insert", "update", "findAndModify", "create", "createIndexes":
	case "drop":
		f.knownMu.Lock()
		delete(f.known, db+"."+commandTarget(req))
		f.knownMu.Unlock()
		return
	case "dropDatabase":
		f.knownMu.Lock()
		for k := range f.known {
			if strings.HasPrefix(k, db+".") {
				delete(f.known, k)
			}
		}
		f.knownMu.Unlock()
		return
	default:
		return
	}
	key := db + "." + commandTarget(req)
	f.knownMu.Lock()
	known := f.known[key]
	f.knownMu.Unlock()
	if known {
		return
	}
	ok, err := f.created(db, commandTarget(req))
	if err != nil {
		f.log.Warn("mongofront collection hook", "db", db, "collection", commandTarget(req), "err", err)
		return
	}
	if ok {
		f.knownMu.Lock()
		f.known[key] = true
		f.knownMu.Unlock()
	}
}

// lockFor returns the lock of database db.
func (f *Front) lockFor(db string) *sync.Mutex {
	f.locksMu.Lock()
	defer f.locksMu.Unlock()
	l, ok := f.locks[db]
	if !ok {
		if f.locks == nil {
			f.locks = make(map[string]*sync.Mutex)
		}
		l = new(sync.Mutex)
		f.locks[db] = l
	}
	return l
}

func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
