package mongofront

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Wire protocol constants (https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/).
const (
	opQuery = 2004
	opMsg   = 2013

	headerLen = 16
	// maxMessageLen is MongoDB's maxMessageSizeBytes (48 MB) with some slack.
	maxMessageLen = 64 << 20

	flagChecksumPresent = 1 << 0
	flagMoreToCome      = 1 << 1
	flagExhaustAllowed  = 1 << 16
)

var errMalformed = errors.New("malformed message")

// readMessage reads one length-prefixed wire message.
func readMessage(r io.Reader) ([]byte, error) {
	var lenBuf [4]byte
	if _, err := io.ReadFull(r, lenBuf[:]); err != nil {
		return nil, err
	}
	n := int(int32(binary.LittleEndian.Uint32(lenBuf[:])))
	if n < headerLen || n > maxMessageLen {
		return nil, fmt.Errorf("message length %d: %w", n, errMalformed)
	}
	msg := make([]byte, n)
	copy(msg, lenBuf[:])
	if _, err := io.ReadFull(r, msg[4:]); err != nil {
		return nil, err
	}
	return msg, nil
}

func opCode(msg []byte) int32 { return int32(binary.LittleEndian.Uint32(msg[12:16])) }

// msgFlags returns the flagBits of an OP_MSG (0 for other op codes).
func msgFlags(msg []byte) uint32 {
	if opCode(msg) != opMsg || len(msg) < headerLen+4 {
		return 0
	}
	return binary.LittleEndian.Uint32(msg[headerLen : headerLen+4])
}

// clearExhaustAllowed clears exhaustAllowed in an OP_MSG, so that the server
// answers every request with exactly one reply; it fixes the checksum if
// there is one.
func clearExhaustAllowed(msg []byte) {
	flags := msgFlags(msg)
	if flags&flagExhaustAllowed == 0 {
		return
	}
	binary.LittleEndian.PutUint32(msg[headerLen:], flags&^flagExhaustAllowed)
	if flags&flagChecksumPresent != 0 && len(msg) >= headerLen+8 {
		sum := crc32.Checksum(msg[:len(msg)-4], crc32.MakeTable(crc32.Castagnoli))
		binary.LittleEndian.PutUint32(msg[len(msg)-4:], sum)
	}
}

// commandName returns the name of an OP_MSG's command: the first key of the
// body (kind 0) section.
func commandName(msg []byte) (string, error) {
	doc, err := body(msg)
	if err != nil {
		return "", err
	}
	return firstKey(doc)
}

// commandDB returns the database an OP_MSG's command addresses (its $db),
// or "" when the message names none.
func commandDB(msg []byte) string {
	doc, err := body(msg)
	if err != nil {
		return ""
	}
	db, _ := bson.Raw(doc).Lookup("$db").StringValueOK()
	return db
}

// commandTarget returns the collection an OP_MSG's command names: the
// string value of its first element ("" if it is not a string).
func commandTarget(msg []byte) string {
	doc, err := body(msg)
	if err != nil {
		return ""
	}
	elems, err := bson.Raw(doc).Elements()
	if err != nil || len(elems) == 0 {
		return ""
	}
	coll, _ := elems[0].Value().StringValueOK()
	return coll
}

// body returns an OP_MSG's body (kind 0) section: one BSON document.
func body(msg []byte) ([]byte, error) {
	if opCode(msg) != opMsg || len(msg) < headerLen+4 {
		return nil, errMalformed
	}
	end := len(msg)
	if msgFlags(msg)&flagChecksumPresent != 0 {
		end -= 4
	}
	p := headerLen + 4
	for p < end {
		kind := msg[p]
		p++
		if p+4 > end {
			return nil, errMalformed
		}
		size := int(int32(binary.LittleEndian.Uint32(msg[p : p+4])))
		if size < 5 || p+size > end {
			return nil, errMalformed
		}
		switch kind {
		case 0:
			return msg[p : p+size], nil
		case 1: // document sequence: size, identifier, documents
			p += size
		default:
			return nil, errMalformed
		}
	}
	return nil, errMalformed
}

// firstKey returns the name of a BSON document's first element.
func firstKey(doc []byte) (string, error) {
	// int32 length, then elements: type byte, cstring name, value.
	if len(doc) < 6 || doc[4] == 0 {
		return "", errMalformed
	}
	name := doc[5:]
	i := bytes.IndexByte(name, 0)
	if i <= 0 {
		return "", errMalformed
	}
	return string(name[:i]), nil
}
