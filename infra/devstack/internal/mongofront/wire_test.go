package mongofront

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// opMsg builds an OP_MSG whose body is {<key>: 1} and, if seq, which carries a
// document sequence section before the body.
func buildMsg(flags uint32, key string, seq bool) []byte {
	var body bytes.Buffer
	body.WriteByte(0x10) // int32
	body.WriteString(key)
	body.WriteByte(0)
	body.Write([]byte{1, 0, 0, 0})
	body.WriteByte(0)
	doc := binary.LittleEndian.AppendUint32(nil, uint32(4+body.Len()))
	doc = append(doc, body.Bytes()...)

	msg := make([]byte, headerLen)
	binary.LittleEndian.PutUint32(msg[12:], opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, flags)
	if seq {
		ident := []byte("documents\x00")
		msg = append(msg, 1)
		msg = binary.LittleEndian.AppendUint32(msg, uint32(4+len(ident)+len(doc)))
		msg = append(msg, ident...)
		msg = append(msg, doc...)
	}
	msg = append(msg, 0)
	msg = append(msg, doc...)
	if flags&flagChecksumPresent != 0 {
		msg = append(msg, 0, 0, 0, 0)
	}
	binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
	return msg
}

func TestCommandName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		msg   []byte
		want  string
		isErr bool
	}{
		{name: "body only", msg: buildMsg(0, "find", false), want: "find"},
		{name: "sequence first", msg: buildMsg(0, "insert", true), want: "insert"},
		{name: "checksum", msg: buildMsg(flagChecksumPresent, "update", false), want: "update"},
		{name: "truncated", msg: buildMsg(0, "find", false)[:headerLen+6], isErr: true},
		{name: "not op_msg", msg: func() []byte {
			m := buildMsg(0, "find", false)
			binary.LittleEndian.PutUint32(m[12:], opQuery)
			return m
		}(), isErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := commandName(tc.msg)
			if tc.isErr {
				if err == nil {
					t.Fatalf("commandName = %q, want an error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("commandName = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestReadMessage(t *testing.T) {
	t.Parallel()
	msg := buildMsg(0, "ping", false)
	got, err := readMessage(bytes.NewReader(append(msg, msg...)))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("readMessage = %x, %v; want %x", got, err, msg)
	}
	bad := binary.LittleEndian.AppendUint32(nil, 3)
	if _, err := readMessage(bytes.NewReader(bad)); err == nil {
		t.Fatal("readMessage accepted a length of 3")
	}
}

func TestClearExhaustAllowed(t *testing.T) {
	t.Parallel()
	msg := buildMsg(flagExhaustAllowed|flagChecksumPresent, "hello", false)
	clearExhaustAllowed(msg)
	if got := msgFlags(msg); got != flagChecksumPresent {
		t.Fatalf("flags = %#x, want %#x", got, flagChecksumPresent)
	}
	want := crc32.Checksum(msg[:len(msg)-4], crc32.MakeTable(crc32.Castagnoli))
	if got := binary.LittleEndian.Uint32(msg[len(msg)-4:]); got != want {
		t.Fatalf("checksum = %#x, want %#x", got, want)
	}
}

func TestIsRead(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"find", "getMore", "hello", "isMaster", "ismaster", "saslStart"} {
		if !IsRead(name) {
			t.Errorf("IsRead(%q) = false, want true", name)
		}
	}
	for _, name := range []string{"insert", "update", "delete", "findAndModify", "createIndexes", "drop", "Find"} {
		if IsRead(name) {
			t.Errorf("IsRead(%q) = true, want false", name)
		}
	}
}

func TestCommandDB(t *testing.T) {
	t.Parallel()
	doc, err := bson.Marshal(bson.D{{Key: "update", Value: "tickets"}, {Key: "$db", Value: "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, headerLen)
	binary.LittleEndian.PutUint32(msg[12:], opMsg)
	msg = binary.LittleEndian.AppendUint32(msg, 0)
	msg = append(msg, 0)
	msg = append(msg, doc...)
	binary.LittleEndian.PutUint32(msg, uint32(len(msg)))
	if got, want := commandDB(msg), "orders"; got != want {
		t.Errorf("commandDB = %q, want %q", got, want)
	}
	if got := commandDB(buildMsg(0, "find", false)); got != "" {
		t.Errorf("commandDB without $db = %q, want empty", got)
	}
}

func TestCASFilter(t *testing.T) {
	t.Parallel()
	id := bson.NewObjectID()
	q := bson.D{{Key: "_id", Value: id}, {Key: "version", Value: int64(1)}}
	u := bson.D{{Key: "$set", Value: bson.D{{Key: "x", Value: 1}}}}
	tests := []struct {
		name string
		stmt bson.D
		want bool
	}{
		{"compare and set", bson.D{{Key: "q", Value: q}, {Key: "u", Value: u}}, true},
		{"multi false, upsert false", bson.D{{Key: "q", Value: q}, {Key: "u", Value: u}, {Key: "multi", Value: false}, {Key: "upsert", Value: false}}, true},
		{"string id, several fields", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: "a"}, {Key: "s", Value: "x"}, {Key: "d", Value: 1.5}}}, {Key: "u", Value: u}}, true},
		{"multi", bson.D{{Key: "q", Value: q}, {Key: "u", Value: u}, {Key: "multi", Value: true}}, false},
		{"upsert", bson.D{{Key: "q", Value: q}, {Key: "u", Value: u}, {Key: "upsert", Value: true}}, false},
		{"array filters", bson.D{{Key: "q", Value: q}, {Key: "u", Value: u}, {Key: "arrayFilters", Value: bson.A{}}}, false},
		{"_id alone", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: id}}}, {Key: "u", Value: u}}, false},
		{"no _id", bson.D{{Key: "q", Value: bson.D{{Key: "a", Value: 1}, {Key: "b", Value: 1}}}, {Key: "u", Value: u}}, false},
		{"numeric _id", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: 1}, {Key: "b", Value: 1}}}, {Key: "u", Value: u}}, false},
		{"operator", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: id}, {Key: "v", Value: bson.D{{Key: "$lt", Value: 3}}}}}, {Key: "u", Value: u}}, false},
		{"dotted", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: id}, {Key: "a.b", Value: 1}}}, {Key: "u", Value: u}}, false},
		{"null", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: id}, {Key: "a", Value: nil}}}, {Key: "u", Value: u}}, false},
		{"array value", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: id}, {Key: "a", Value: bson.A{1}}}}, {Key: "u", Value: u}}, false},
		{"$and", bson.D{{Key: "q", Value: bson.D{{Key: "_id", Value: id}, {Key: "$and", Value: bson.A{}}}}, {Key: "u", Value: u}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := bson.Marshal(tc.stmt)
			if err != nil {
				t.Fatal(err)
			}
			if _, got := casFilter(raw); got != tc.want {
				t.Errorf("casFilter = %v, want %v", got, tc.want)
			}
		})
	}
}
