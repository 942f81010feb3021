//go:build integration

package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gittix/ticketing/auth/app"
	"github.com/gittix/ticketing/common/testenv"
)

// TestSignInThrottleAcrossReplicas runs two auth processes on one database,
// as two replicas behind a load balancer: failed sign-ins on either count
// together, and once the limit is reached both refuse the email — while
// another email still signs in on both.
func TestSignInThrottleAcrossReplicas(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	uri := uriWithDatabase(t, testenv.MongoURI(t), db.Name())
	replicas := make([]string, 2)
	for i := range replicas {
		port := freePort(t)
		env := map[string]string{"JWT_KEY": "auth-app-test-key-0123456789abcdef", "MONGO_URI": uri, "HOST": "127.0.0.1", "PORT": port,
			"SIGNIN_MAX_FAILURES": "4", "SIGNIN_FAILURE_WINDOW": "1h"}
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- app.Run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(k string) string { return env[k] })
		}()
		t.Cleanup(func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("replica %d: Run = %v", i, err)
			}
		})
		replicas[i] = "http://127.0.0.1:" + port
		eventually(t, "replica answers /readyz", func() bool {
			res, err := http.Get(replicas[i] + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusOK
		})
	}
	post := func(base, path, email, password string) (int, string) {
		t.Helper()
		res, err := http.Post(base+path, "application/json",
			strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct{ Errors []struct{ Message string } }
		json.NewDecoder(res.Body).Decode(&body)
		if len(body.Errors) == 1 {
			return res.StatusCode, body.Errors[0].Message
		}
		return res.StatusCode, ""
	}
	for _, email := range []string{"ann@test.com", "bob@test.com"} {
		if code, msg := post(replicas[0], "/api/users/signup", email, "password"); code != http.StatusCreated {
			t.Fatalf("sign up %s = %d %s", email, code, msg)
		}
	}

	for i := range 4 { // alternate replicas: 2 failures on each
		if code, msg := post(replicas[i%2], "/api/users/signin", "ann@test.com", "wrong-one"); code != http.StatusBadRequest || msg != "Invalid credentials" {
			t.Fatalf("failure %d = %d %q, want 400 Invalid credentials", i+1, code, msg)
		}
	}
	for i, base := range replicas {
		if code, msg := post(base, "/api/users/signin", "ann@test.com", "password"); code != http.StatusTooManyRequests ||
			msg != "Too many failed sign-in attempts, try again later" {
			t.Errorf("replica %d, right password after 4 failures = %d %q, want 429", i, code, msg)
		}
		if code, msg := post(base, "/api/users/signin", "bob@test.com", "password"); code != http.StatusOK {
			t.Errorf("replica %d, another email = %d %q, want 200", i, code, msg)
		}
	}
}
