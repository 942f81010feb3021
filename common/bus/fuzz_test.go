package bus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/bus"
	"github.com/gittix/ticketing/common/events"
)

// FuzzDispatch runs any message data through Dispatch for each of the six
// event types: undecodable data is acked without calling the handler (a
// poison message); decodable data reaches the handler once, is acked
// exactly when the handler succeeds, and re-encodes stably. Never a panic.
func FuzzDispatch(f *testing.F) {
	for _, data := range []string{
		`{"id":"t1","version":0,"title":"Concert","price":19.99,"userId":"u1"}`,
		`{"id":"t1","version":2,"title":"Concert","price":19.99,"userId":"u1","orderId":"o1"}`,
		`{"id":"o1","version":0,"status":"created","userId":"u1","expiresAt":"2030-01-02T03:04:05.678Z","ticket":{"id":"t1","price":19.99}}`,
		`{"id":"o1","version":1,"ticket":{"id":"t1"}}`,
		`{"orderId":"o1"}`,
		`{"id":"p1","orderId":"o1","stripeId":"ch_1"}`,
		`{"expiresAt":"2030-01-02T03:04:05+14:00"}`, `{"expiresAt":"2030-13-45T99:99:99Z"}`,
		`{"price":1e400}`, `{"version":1.5}`, `{"version":"1"}`, `{"ticket":[]}`, `{"id":null}`,
		`{"id":"\ud800"}`, "{\"id\":\"\xff\"}", `{}{}`, `[]`, `null`, ``, `{`,
	} {
		f.Add([]byte(data), false)
	}
	f.Add([]byte(`{"orderId":"o1"}`), true)
	f.Fuzz(func(t *testing.T, data []byte, fail bool) {
		dispatch[events.TicketCreated](t, data, fail)
		dispatch[events.TicketUpdated](t, data, fail)
		dispatch[events.OrderCreated](t, data, fail)
		dispatch[events.OrderCancelled](t, data, fail)
		dispatch[events.ExpirationComplete](t, data, fail)
		dispatch[events.PaymentCreated](t, data, fail)
	})
}

func dispatch[E events.Event](t *testing.T, data []byte, fail bool) {
	t.Helper()
	var got []E
	h := func(_ context.Context, e E) error {
		got = append(got, e)
		if fail {
			return errors.New("handler failed")
		}
		return nil
	}
	acked := bus.Dispatch(context.Background(), discard, h, data, 1, false, time.Second)
	var want E
	if json.Unmarshal(data, &want) != nil {
		if !acked || len(got) != 0 {
			t.Fatalf("%s %q: undecodable, but acked %t with %d handler calls", events.SubjectOf[E](), data, acked, len(got))
		}
		return
	}
	if len(got) != 1 || acked == fail {
		t.Fatalf("%s %q: %d handler calls, acked %t (handler failing: %t)", events.SubjectOf[E](), data, len(got), acked, fail)
	}
	b1, err := events.Marshal(got[0])
	if err != nil {
		t.Fatalf("%s %q: decoded %+v does not encode: %v", events.SubjectOf[E](), data, got[0], err)
	}
	var again E
	if err := json.Unmarshal(b1, &again); err != nil {
		t.Fatalf("%s: own encoding %s does not decode: %v", events.SubjectOf[E](), b1, err)
	}
	if b2, _ := events.Marshal(again); !bytes.Equal(b1, b2) {
		t.Fatalf("%s: encoding not stable: %s then %s", events.SubjectOf[E](), b1, b2)
	}
}
