//go:build integration

package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/auth/app"
	"github.com/gittix/ticketing/common/bus/bustest"
	"github.com/gittix/ticketing/common/events"
	"github.com/gittix/ticketing/common/testenv"
)

// TestRun starts the whole service on MongoDB, signs a user up over real
// HTTP, then shuts it down while a request is in flight: the request
// completes and Run returns nil.
func TestRun(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	port := testenv.FreePort(t)
	env := testenv.ServiceEnv(t, "auth-app-test-key-0123456789abcdef", db)
	created := bustest.Record[events.UserCreated](t, bustest.Connect(t, env["NATS_URL"], env["NATS_CLUSTER_ID"]))
	maps.Copy(env, map[string]string{
		"HOST":                "127.0.0.1",
		"PORT":                port,
		"TOKEN_TTL":           "90m",
		"COOKIE_SECURE":       "true",
		"SESSION_COOKIE_NAME": "sid",
	})
	base, svc := testenv.StartService(t, app.Run, env)

	resp, err := http.Post(base+"/api/users/signup", "application/json",
		strings.NewReader(`{"email":"Run@Test.com","password":"password"}`))
	if err != nil {
		t.Fatal(err)
	}
	var user struct{ ID string }
	derr := json.NewDecoder(resp.Body).Decode(&user)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || derr != nil {
		t.Fatalf("signup status = %d (%v), want 201 with the user", resp.StatusCode, derr)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != "sid" || !cookies[0].Secure || !cookies[0].HttpOnly {
		t.Errorf("cookies = %+v, want one Secure HttpOnly cookie named sid", cookies)
	}
	// It landed in the database named by MONGO_URI, normalised.
	if n, err := db.Collection("users").CountDocuments(context.Background(), bson.M{"email": "run@test.com"}); err != nil || n != 1 {
		t.Errorf("users with run@test.com in %s = %d, %v; want 1", db.Name(), n, err)
	}
	// Its user:created went out through the outbox, on the real channel
	// (which may hold earlier runs' sign-ups of the same email: the
	// recorder replays the channel).
	got := created.Wait(t, 1, func(e events.UserCreated) bool { return e.ID == user.ID })
	if len(got) != 1 || got[0].Email != "run@test.com" || got[0].Version != 0 {
		t.Errorf("user:created = %+v, want one for user %s, run@test.com, version 0", got, user.ID)
	}

	// An in-flight request: headers sent, the handler is reading the body
	// (the server has answered 100 Continue).
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"run@test.com","password":"password"}`
	fmt.Fprintf(conn, "POST /api/users/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body))
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("read %q, %v; want 100 Continue", line, err)
	}
	if line, err := r.ReadString('\n'); err != nil || line != "\r\n" {
		t.Fatalf("read %q, %v; want the blank line ending the 100 Continue", line, err)
	}

	svc.Cancel() // SIGTERM
	eventually(t, "the listener closes", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	io.WriteString(conn, body)
	in, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	in.Body.Close()
	if in.StatusCode != http.StatusOK {
		t.Errorf("in-flight sign-in status = %d, want 200", in.StatusCode)
	}
	svc.Wait(t, 15*time.Second)
}

func eventually(t *testing.T, msg string, cond func() bool) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatalf("timed out waiting until %s", msg)
		case <-tick.C:
		}
	}
}
