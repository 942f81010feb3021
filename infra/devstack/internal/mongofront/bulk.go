package mongofront

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Bulk writes, one statement at a time.
//
// An update or delete of several statements (a driver's BulkWrite) is
// forwarded as one command per statement, each under the database's write
// lock on its own, and the replies are added up into the one reply the
// client waits for. Two reasons:
//   - FerretDB v1 keeps every statement's query of a command open, on a
//     connection of the database's SQLite pool (100), until the whole
//     command ends: a bulk of over a hundred statements takes the pool and
//     waits for itself, and the database stops answering for good;
//   - the other writes of the database are not held up behind a whole
//     bulk (a purchase's inserts behind an outbox relay's 32 removals:
//     purchase fell from 471 to 302 requests a second).
//
// The reply is MongoDB's: n and nModified summed, writeErrors and upserted
// with the index of the statement in the client's command; an ordered bulk
// stops at its first write error. A reply that is not ok ends the command
// with that reply as it is.

// splitBulk returns the single-statement commands of req, an update or
// delete of more than one statement, with the statements' field; nil when
// req is not one.
func splitBulk(name string, req []byte) (parts [][]byte, ordered bool) {
	field, ok := casCommands[name]
	if !ok || opCode(req) != opMsg || msgFlags(req)&(flagMoreToCome|flagChecksumPresent) != 0 {
		return nil, false
	}
	m, err := parseMsg(req)
	if err != nil {
		return nil, false
	}
	stmts, inline := m.statements(field)
	if len(stmts) < 2 {
		return nil, false
	}
	ordered = true
	if v, err := bson.Raw(m.body()).LookupErr("ordered"); err == nil {
		ordered = truthy(v)
	}
	for _, st := range stmts {
		one := &msg{requestID: casRequestID.Add(1), flags: m.flags, sections: cloneSections(m.sections)}
		one.setStatements(field, [][]byte{st}, inline)
		parts = append(parts, one.encode())
	}
	return parts, ordered
}

func cloneSections(s []section) []section {
	out := make([]section, len(s))
	for i, sec := range s {
		out[i] = section{kind: sec.kind, id: sec.id, docs: append([][]byte(nil), sec.docs...)}
	}
	return out
}

// bulkReply adds up the replies of a split bulk write.
type bulkReply struct {
	n, nModified int64
	writeErrors  bson.A
	upserted     bson.A
	modified     bool // some reply had nModified (an update)
}

// add counts the reply to statement i; it reports whether the reply was
// ok and how many write errors it had.
func (b *bulkReply) add(i int, reply bson.Raw) (ok bool, errs int, err error) {
	if okv, lerr := reply.LookupErr("ok"); lerr != nil || !truthy(okv) {
		return false, 0, nil
	}
	if v, lerr := reply.LookupErr("n"); lerr == nil {
		if n, isNum := number(v); isNum {
			b.n += int64(n.f)
		}
	}
	if v, lerr := reply.LookupErr("nModified"); lerr == nil {
		if n, isNum := number(v); isNum {
			b.nModified += int64(n.f)
			b.modified = true
		}
	}
	for _, key := range []string{"writeErrors", "upserted"} {
		arr, isArr := reply.Lookup(key).ArrayOK()
		if !isArr {
			continue
		}
		vals, verr := arr.Values()
		if verr != nil {
			return false, 0, verr
		}
		for _, v := range vals {
			doc, isDoc := v.DocumentOK()
			if !isDoc {
				continue
			}
			var d bson.D
			if uerr := bson.Unmarshal(doc, &d); uerr != nil {
				return false, 0, uerr
			}
			for j := range d {
				if d[j].Key == "index" {
					d[j].Value = int32(i)
				}
			}
			if key == "writeErrors" {
				b.writeErrors = append(b.writeErrors, d)
				errs++
			} else {
				b.upserted = append(b.upserted, d)
			}
		}
	}
	return true, errs, nil
}

func (b *bulkReply) body() ([]byte, error) {
	d := bson.D{{Key: "n", Value: int32(b.n)}}
	if b.modified {
		d = append(d, bson.E{Key: "nModified", Value: int32(b.nModified)})
	}
	if len(b.upserted) > 0 {
		d = append(d, bson.E{Key: "upserted", Value: b.upserted})
	}
	if len(b.writeErrors) > 0 {
		d = append(d, bson.E{Key: "writeErrors", Value: b.writeErrors})
	}
	d = append(d, bson.E{Key: "ok", Value: 1.0})
	return bson.Marshal(d)
}

// roundTripBulk forwards the single-statement commands parts of the
// client's request req one at a time, each under lock, and answers the
// client once.
func (f *Front) roundTripBulk(name, db string, req []byte, parts [][]byte, ordered bool, client, up net.Conn, ur *bufio.Reader) error {
	lock := f.lockFor(db)
	var sum bulkReply
	for i, part := range parts {
		reply, err := f.forwardOne(lock, name, part, up, ur)
		if err != nil {
			return err
		}
		rb, err := body(reply)
		if err != nil {
			return fmt.Errorf("bulk reply: %w", err)
		}
		ok, errs, err := sum.add(i, rb)
		if err != nil {
			return fmt.Errorf("bulk reply: %w", err)
		}
		if !ok { // the command failed as a whole: that is the answer
			return writeReply(client, req, rb)
		}
		if errs > 0 && ordered {
			break
		}
	}
	out, err := sum.body()
	if err != nil {
		return err
	}
	f.afterWrite(name, db, req)
	return writeReply(client, req, out)
}

// forwardOne sends one single-statement write under lock, with the
// compare-and-set rewrite, and returns the server's reply.
func (f *Front) forwardOne(lock *sync.Mutex, name string, req []byte, up net.Conn, ur *bufio.Reader) ([]byte, error) {
	lock.Lock()
	defer lock.Unlock()
	rw, err := rewriteCAS(name, req, up, ur)
	if err != nil {
		return nil, err
	}
	if rw != nil {
		req = rw
	}
	if _, err := up.Write(req); err != nil {
		return nil, fmt.Errorf("write upstream: %w", err)
	}
	reply, err := readMessage(ur)
	if err != nil {
		return nil, fmt.Errorf("read upstream: %w", err)
	}
	return reply, nil
}

// writeReply answers the request req with an OP_MSG whose body is b.
func writeReply(client net.Conn, req, b []byte) error {
	m := &msg{requestID: casRequestID.Add(1), sections: []section{{kind: 0, docs: [][]byte{b}}}}
	out := m.encode()
	binary.LittleEndian.PutUint32(out[8:], binary.LittleEndian.Uint32(req[4:8])) // responseTo
	if _, err := client.Write(out); err != nil {
		return fmt.Errorf("write client: %w", err)
	}
	return nil
}
