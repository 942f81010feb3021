package listener_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gittix/ticketing/notifications/internal/listener"
	"github.com/gittix/ticketing/notifications/internal/notify"
	"github.com/gittix/ticketing/notifications/internal/notify/notifytest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func newService() (*notify.Service, *notifytest.Sender) {
	st, snd := &notifytest.Store{}, &notifytest.Sender{}
	return &notify.Service{Users: st, Tickets: st, Orders: st, Outbox: st, Sender: snd,
		Composer: notifytest.Composer{}, Log: discard}, snd
}

// deliver runs the subscription of subject on data as a delivery does and
// reports whether it would be acked.
func deliver(t *testing.T, svc *notify.Service, subject, data string) bool {
	t.Helper()
	for _, s := range listener.Subscriptions(svc) {
		if string(s.Subject) == subject {
			return s.Dispatch(t.Context(), discard, []byte(data), 1, false, 5*time.Second)
		}
	}
	t.Fatalf("no listener of %s", subject)
	return false
}

func TestListenersInAnyOrder(t *testing.T) {
	t.Parallel()
	svc, snd := newService()
	const oid = "65a1b2c3d4e5f60718293a4b"
	pay := `{"id":"p1","orderId":"` + oid + `","stripeId":"ch_1"}`
	if deliver(t, svc, "payment:created", pay) {
		t.Fatal("payment:created before its order was acked")
	}
	for _, ev := range [][2]string{
		{"order:created", `{"id":"` + oid + `","version":0,"status":"created","userId":"u1","expiresAt":"2030-01-01T00:00:00Z","ticket":{"id":"t1","price":12.5}}`},
		{"ticket:created", `{"id":"t1","version":0,"title":"Concert","price":12.5,"userId":"s1"}`},
		{"ticket:updated", `{"id":"t1","version":1,"title":"Concert","price":12.5,"userId":"s1","orderId":"` + oid + `"}`},
	} {
		if !deliver(t, svc, ev[0], ev[1]) {
			t.Fatalf("%s not acked", ev[0])
		}
	}
	if deliver(t, svc, "payment:created", pay) {
		t.Fatal("payment:created before its buyer was acked")
	}
	if !deliver(t, svc, "user:created", `{"id":"u1","email":"buyer@example.test","version":0}`) {
		t.Fatal("user:created not acked")
	}
	for range 3 {
		if !deliver(t, svc, "payment:created", pay) {
			t.Fatal("payment:created not acked")
		}
	}
	if sent := snd.Sent(); len(sent) != 1 || sent[0].Text != "receipt "+oid+" Concert 12.50" {
		t.Fatalf("sent %+v", sent)
	}
}

func TestBadIDsAreDropped(t *testing.T) {
	t.Parallel()
	svc, _ := newService()
	for _, ev := range [][2]string{
		{"user:created", `{"id":"","email":"x@example.test"}`},
		{"ticket:created", `{"id":"a b","title":"x"}`},
		{"order:created", `{"id":"o1","userId":"u1","ticket":{"id":"<t>"}}`},
		{"order:cancelled", `{"id":"o1\r\nBcc: x","version":1}`},
		{"payment:created", `{"orderId":""}`},
		{"payment:created", `not json`},
	} {
		if !deliver(t, svc, ev[0], ev[1]) {
			t.Errorf("%s %s: not acked, want dropped", ev[0], ev[1])
		}
	}
}
