package mongofront

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Compare-and-set updates and deletes by _id.
//
// FerretDB v1 looks a document up by its _id only when a filter is exactly
// {_id: x}; any other filter makes it decode and test every document of the
// collection in Go (about 50 ms per 1,000 documents). The services write
// with compare-and-set filters such as {_id: x, version: 3}, so each such
// write would cost a scan, under the database's write lock; so would a
// conditional delete such as {_id: slot, order: id}.
//
// While it holds the write lock, the front can do what MongoDB does with
// its _id index: it reads the document by {_id: x}, tests the other
// conditions itself, and forwards the update with the filter {_id: x} when
// they hold, or with the filter {_id: <a new ObjectID>}, which matches
// nothing, when they do not. No other write of the database can come in
// between. It does so for each statement of an update (not multi, not
// upsert) or a delete whose filter is _id (an ObjectID or a string) and top-level
// fields equal to plain values (string, number, bool, ObjectID, date) —
// the services' compare-and-set filters. Everything else, and a document
// whose field holds an array or a document, is forwarded unchanged.

// casRequestID numbers the front's own requests, apart from the driver's.
var casRequestID atomic.Int32

func init() { casRequestID.Store(1 << 30) }

// casCommands maps the write commands the front takes over to the field
// that holds their statements.
var casCommands = map[string]string{"update": "updates", "delete": "deletes"}

// rewriteCAS returns the update or delete req with the filter of each
// statement it can take over reduced to _id, or nil when it rewrites none.
// It reads the documents through up; the caller holds the database's write
// lock. Each statement is decided on its document as it stands when the
// command arrives; a later statement naming a document an earlier one of
// the same command may change is left to the server.
func rewriteCAS(name string, req []byte, up net.Conn, ur *bufio.Reader) ([]byte, error) {
	field, ok := casCommands[name]
	if !ok {
		return nil, nil
	}
	m, err := parseMsg(req)
	if err != nil {
		return nil, nil
	}
	body := bson.Raw(m.body())
	coll, ok := body.Lookup(name).StringValueOK()
	if !ok {
		return nil, nil
	}
	db, _ := body.Lookup("$db").StringValueOK()
	stmts, inline := m.statements(field)
	rewritten, seen := false, make(map[string]bool, len(stmts))
	for i, stmt := range stmts {
		filter, ok := casFilter(stmt)
		if !ok {
			continue
		}
		id := filter.Lookup("_id")
		if seen[string(id.Value)] {
			continue
		}
		seen[string(id.Value)] = true
		doc, err := findByID(up, ur, db, coll, id)
		if err != nil {
			return nil, err
		}
		match, ok := matches(doc, filter)
		if !ok {
			continue
		}
		newID := id
		if !match {
			newID = bson.RawValue{Type: bson.TypeObjectID, Value: objectIDBytes(bson.NewObjectID())}
		}
		q := appendElem(newDoc(), "_id", newID.Type, newID.Value)
		stmts[i] = replaceElem(stmt, "q", bson.TypeEmbeddedDocument, endDoc(q))
		rewritten = true
	}
	if !rewritten {
		return nil, nil
	}
	m.setStatements(field, stmts, inline)
	return m.encode(), nil
}

// casFilter returns the filter of the statement stmt (of an update or a
// delete) if the front can take it over: see the comment at the top of
// this file.
func casFilter(stmt bson.Raw) (bson.Raw, bool) {
	elems, err := stmt.Elements()
	if err != nil {
		return nil, false
	}
	var filter bson.Raw
	for _, e := range elems {
		v := e.Value()
		switch e.Key() {
		case "q":
			filter, _ = v.DocumentOK()
		case "u":
		case "limit": // delete: 0 (all) or 1; an _id matches one at most
		case "multi", "upsert":
			if b, ok := v.BooleanOK(); !ok || b {
				return nil, false
			}
		default: // arrayFilters, hint, collation, …
			return nil, false
		}
	}
	if filter == nil {
		return nil, false
	}
	conds, err := filter.Elements()
	if err != nil || len(conds) < 2 {
		return nil, false
	}
	hasID := false
	for _, c := range conds {
		k, v := c.Key(), c.Value()
		if k == "_id" {
			hasID = v.Type == bson.TypeObjectID || v.Type == bson.TypeString
			continue
		}
		if k == "" || k[0] == '$' || strings.ContainsRune(k, '.') || !plain(v) {
			return nil, false
		}
	}
	return filter, hasID
}

// plain reports whether a filter value is one the front compares itself.
func plain(v bson.RawValue) bool {
	switch v.Type {
	case bson.TypeString, bson.TypeInt32, bson.TypeInt64, bson.TypeBoolean, bson.TypeObjectID, bson.TypeDateTime:
		return true
	case bson.TypeDouble:
		return !math.IsNaN(v.Double())
	}
	return false
}

// matches reports whether doc (nil: none) satisfies every condition of
// filter; ok is false when the front cannot tell.
func matches(doc, filter bson.Raw) (match, ok bool) {
	if doc == nil {
		return false, true
	}
	conds, _ := filter.Elements()
	match = true
	for _, c := range conds {
		if c.Key() == "_id" {
			continue
		}
		got, err := doc.LookupErr(c.Key())
		if err != nil { // absent: not equal to a plain value
			match = false
			continue
		}
		eq, ok := equal(got, c.Value())
		if !ok {
			return false, false
		}
		match = match && eq
	}
	return match, true
}

// equal compares a stored value with a plain filter value as MongoDB's
// equality does; ok is false for stored values the front leaves to the
// server (arrays, documents, decimals).
func equal(stored, want bson.RawValue) (eq, ok bool) {
	switch stored.Type {
	case bson.TypeArray, bson.TypeEmbeddedDocument, bson.TypeDecimal128:
		return false, false
	}
	if sn, ok := number(stored); ok {
		wn, ok := number(want)
		if !ok {
			return false, true
		}
		if sn.isInt && wn.isInt {
			return sn.i == wn.i, true
		}
		return sn.f == wn.f, true
	}
	return stored.Type == want.Type && bytes.Equal(stored.Value, want.Value), true
}

type num struct {
	isInt bool
	i     int64
	f     float64
}

func number(v bson.RawValue) (num, bool) {
	switch v.Type {
	case bson.TypeInt32:
		return num{isInt: true, i: int64(v.Int32()), f: float64(v.Int32())}, true
	case bson.TypeInt64:
		return num{isInt: true, i: v.Int64(), f: float64(v.Int64())}, true
	case bson.TypeDouble:
		return num{f: v.Double()}, true
	}
	return num{}, false
}

// findByID reads the document {_id: id} of db.coll over up (nil when there
// is none).
func findByID(up net.Conn, ur *bufio.Reader, db, coll string, id bson.RawValue) (bson.Raw, error) {
	cmd, err := bson.Marshal(bson.D{
		{Key: "find", Value: coll},
		{Key: "filter", Value: bson.D{{Key: "_id", Value: id}}},
		{Key: "limit", Value: int64(1)},
		{Key: "singleBatch", Value: true},
		{Key: "$db", Value: db},
	})
	if err != nil {
		return nil, err
	}
	m := &msg{requestID: casRequestID.Add(1), sections: []section{{kind: 0, docs: [][]byte{cmd}}}}
	if _, err := up.Write(m.encode()); err != nil {
		return nil, fmt.Errorf("write upstream: %w", err)
	}
	reply, err := readMessage(ur)
	if err != nil {
		return nil, fmt.Errorf("read upstream: %w", err)
	}
	rb, err := body(reply)
	if err != nil {
		return nil, fmt.Errorf("find by _id: reply: %w", err)
	}
	res := bson.Raw(rb)
	if okv, err := res.LookupErr("ok"); err != nil || !truthy(okv) {
		return nil, fmt.Errorf("find by _id in %s.%s: %s", db, coll, res)
	}
	batch, ok := res.Lookup("cursor", "firstBatch").ArrayOK()
	if !ok {
		return nil, fmt.Errorf("find by _id: reply without cursor.firstBatch: %s", res)
	}
	first, err := batch.Values()
	if err != nil || len(first) == 0 {
		return nil, nil // no such document
	}
	doc, _ := first[0].DocumentOK()
	return doc, nil
}

func truthy(v bson.RawValue) bool {
	if n, ok := number(v); ok {
		return n.f == 1
	}
	b, _ := v.BooleanOK()
	return b
}

func objectIDBytes(id bson.ObjectID) []byte { return id[:] }

// The OP_MSG a front rewrites.

type section struct {
	kind byte
	id   string   // kind 1: the sequence's identifier
	docs [][]byte // kind 0: exactly one
}

type msg struct {
	requestID int32
	flags     uint32
	sections  []section
}

func parseMsg(b []byte) (*msg, error) {
	if opCode(b) != opMsg || len(b) < headerLen+4 {
		return nil, errMalformed
	}
	m := &msg{requestID: int32(binary.LittleEndian.Uint32(b[4:8])), flags: msgFlags(b)}
	end := len(b)
	if m.flags&flagChecksumPresent != 0 {
		end -= 4
	}
	for p := headerLen + 4; p < end; {
		kind := b[p]
		p++
		if p+4 > end {
			return nil, errMalformed
		}
		size := int(int32(binary.LittleEndian.Uint32(b[p:])))
		if size < 5 || p+size > end {
			return nil, errMalformed
		}
		sec := section{kind: kind}
		switch kind {
		case 0:
			sec.docs = [][]byte{b[p : p+size]}
		case 1:
			seq := b[p+4 : p+size]
			i := bytes.IndexByte(seq, 0)
			if i < 0 {
				return nil, errMalformed
			}
			sec.id, seq = string(seq[:i]), seq[i+1:]
			for len(seq) > 0 {
				if len(seq) < 5 {
					return nil, errMalformed
				}
				n := int(int32(binary.LittleEndian.Uint32(seq)))
				if n < 5 || n > len(seq) {
					return nil, errMalformed
				}
				sec.docs, seq = append(sec.docs, seq[:n]), seq[n:]
			}
		default:
			return nil, errMalformed
		}
		m.sections = append(m.sections, sec)
		p += size
	}
	return m, nil
}

func (m *msg) body() []byte {
	for _, s := range m.sections {
		if s.kind == 0 {
			return s.docs[0]
		}
	}
	return nil
}

func (m *msg) setBody(b []byte) {
	for i, s := range m.sections {
		if s.kind == 0 {
			m.sections[i].docs = [][]byte{b}
		}
	}
}

// statements returns the statements of field ("updates", "deletes"):
// the document sequence of that name, or else the body's array of that
// name (inline). Nil if there are none.
func (m *msg) statements(field string) (stmts [][]byte, inline bool) {
	for _, s := range m.sections {
		if s.kind == 1 && s.id == field {
			return slices.Clone(s.docs), false
		}
	}
	arr, ok := bson.Raw(m.body()).Lookup(field).ArrayOK()
	if !ok {
		return nil, false
	}
	vals, err := arr.Values()
	if err != nil {
		return nil, false
	}
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			return nil, false
		}
		stmts = append(stmts, doc)
	}
	return stmts, true
}

// setStatements replaces the statements of field, where statements found
// them.
func (m *msg) setStatements(field string, stmts [][]byte, inline bool) {
	if !inline {
		for i, s := range m.sections {
			if s.kind == 1 && s.id == field {
				m.sections[i].docs = stmts
			}
		}
		return
	}
	arr := newDoc()
	for i, st := range stmts {
		arr = appendElem(arr, strconv.Itoa(i), bson.TypeEmbeddedDocument, st)
	}
	m.setBody(replaceElem(m.body(), field, bson.TypeArray, endDoc(arr)))
}

// encode writes m as an OP_MSG without a checksum.
func (m *msg) encode() []byte {
	b := make([]byte, headerLen, 256)
	binary.LittleEndian.PutUint32(b[4:], uint32(m.requestID))
	binary.LittleEndian.PutUint32(b[12:], opMsg)
	b = binary.LittleEndian.AppendUint32(b, m.flags&^flagChecksumPresent)
	for _, s := range m.sections {
		b = append(b, s.kind)
		if s.kind == 0 {
			b = append(b, s.docs[0]...)
			continue
		}
		start := len(b)
		b = append(b, 0, 0, 0, 0)
		b = append(b, s.id...)
		b = append(b, 0)
		for _, d := range s.docs {
			b = append(b, d...)
		}
		binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	}
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// BSON building, raw.

func newDoc() []byte { return []byte{0, 0, 0, 0} }

func appendElem(doc []byte, key string, t bson.Type, value []byte) []byte {
	doc = append(doc, byte(t))
	doc = append(doc, key...)
	doc = append(doc, 0)
	return append(doc, value...)
}

func endDoc(doc []byte) []byte {
	doc = append(doc, 0)
	binary.LittleEndian.PutUint32(doc, uint32(len(doc)))
	return doc
}

// replaceElem returns doc with the value of key replaced (type t, raw
// value), every other element kept as it was.
func replaceElem(doc []byte, key string, t bson.Type, value []byte) []byte {
	elems, _ := bson.Raw(doc).Elements()
	out := newDoc()
	for _, e := range elems {
		if e.Key() == key {
			out = appendElem(out, key, t, value)
			continue
		}
		out = append(out, e...)
	}
	return endDoc(out)
}
