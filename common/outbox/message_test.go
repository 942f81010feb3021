package outbox_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/outbox"
)

func TestMessageIsStoredAsOneString(t *testing.T) {
	t.Parallel()
	m, err := outbox.New(events.TicketUpdated{ID: "t1", Version: 2, Title: "a b", Price: 1.5, UserID: "u1"})
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		Outbox []outbox.Message `bson:"outbox"`
	}
	b, err := bson.Marshal(doc{Outbox: []outbox.Message{m}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := bson.Raw(b).LookupErr("outbox", "0")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := raw.StringValue(), m.ID+` ticket:updated {"id":"t1","version":2,"title":"a b","price":1.5,"userId":"u1"}`; got != want {
		t.Errorf("stored %q, want %q", got, want)
	}
	var back doc
	if err := bson.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Outbox) != 1 || back.Outbox[0] != m {
		t.Errorf("round trip = %+v, want %+v", back.Outbox, m)
	}
	for _, bad := range []any{bson.D{{Key: "outbox", Value: bson.A{"no-spaces"}}}, bson.D{{Key: "outbox", Value: bson.A{42}}}} {
		b, _ := bson.Marshal(bad)
		if err := bson.Unmarshal(b, &back); err == nil {
			t.Errorf("decoded malformed %v", bad)
		}
	}
}
