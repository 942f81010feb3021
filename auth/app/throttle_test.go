//go:build integration

package app_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/auth/app"
	"github.com/gittix/ticketing/common/testenv"
)

// TestSignInThrottleAcrossReplicas runs two auth processes on one database,
// as two replicas behind a load balancer: failed sign-ins on either count
// together, and once the limit is reached both refuse the email — while
// another email still signs in on both.
func TestSignInThrottleAcrossReplicas(t *testing.T) {
	t.Parallel()
	replicas := startReplicas(t, 2, map[string]string{"SIGNIN_MAX_FAILURES": "4", "SIGNIN_FAILURE_WINDOW": "1h"})
	post := func(base, path, email, password string) (int, string) {
		t.Helper()
		a := postCredentials(t, base+path, email, password)
		return a.status, a.message
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

// TestAbuseLimitsAcrossReplicas: on two replicas of one database, the
// sign-ups of the minute count together, so do the failures of one
// password across emails, and a sign-in with the right password after the
// wait on one replica starts the email's count over on both.
func TestAbuseLimitsAcrossReplicas(t *testing.T) {
	t.Parallel()
	r := startReplicas(t, 2, map[string]string{"SIGNUPS_PER_MINUTE": "3", "SIGNIN_MAX_FAILURES": "2",
		"SIGNIN_MAX_PASSWORD_FAILURES": "3", "SIGNIN_FAILURE_WINDOW": "1h"})
	want := func(what string, got answer, status int, message string) {
		t.Helper()
		if got.status != status || got.message != message {
			t.Fatalf("%s = %d %q, want %d %q", what, got.status, got.message, status, message)
		}
	}

	for i, email := range []string{"ann@test.com", "bob@test.com", "carl@test.com"} {
		want("sign-up "+email, postCredentials(t, r[i%2]+"/api/users/signup", email, "password"), http.StatusCreated, "")
	}
	a := postCredentials(t, r[1]+"/api/users/signup", "dave@test.com", "password")
	want("4th sign-up of the minute", a, http.StatusTooManyRequests, "Too many sign-ups right now, try again later")
	if a.retryAfter < 1 || a.retryAfter > 60 {
		t.Errorf("Retry-After of the 4th sign-up = %d s, want the rest of the minute", a.retryAfter)
	}

	for i := range 3 { // one password, three emails, both replicas
		want("spray", postCredentials(t, r[i%2]+"/api/users/signin", "victim"+strconv.Itoa(i)+"@test.com", "Summer2030"),
			http.StatusBadRequest, "Invalid credentials")
	}
	want("the sprayed password on a 4th email", postCredentials(t, r[1]+"/api/users/signin", "victim9@test.com", "Summer2030"),
		http.StatusTooManyRequests, "Too many failed sign-in attempts, try again later")

	throttled := "Too many failed sign-in attempts, try again later"
	want("failure 1", postCredentials(t, r[0]+"/api/users/signin", "ann@test.com", "wrong-one"), http.StatusBadRequest, "Invalid credentials")
	want("failure 2", postCredentials(t, r[1]+"/api/users/signin", "ann@test.com", "wrong-one"), http.StatusBadRequest, "Invalid credentials")
	a = postCredentials(t, r[0]+"/api/users/signin", "ann@test.com", "password")
	want("the right password within the wait", a, http.StatusTooManyRequests, throttled)
	time.Sleep(time.Duration(a.retryAfter)*time.Second + 100*time.Millisecond)
	want("the right password after the wait", postCredentials(t, r[1]+"/api/users/signin", "ann@test.com", "password"), http.StatusOK, "")
	// Started over: a typo right after is checked, not made to wait.
	want("a typo after signing in", postCredentials(t, r[0]+"/api/users/signin", "ann@test.com", "wrong-two"), http.StatusBadRequest, "Invalid credentials")
}

// startReplicas runs n auth processes on one fresh database, as replicas
// behind a load balancer, each with env added to its environment, and
// returns their base URLs.
func startReplicas(t *testing.T, n int, env map[string]string) []string {
	t.Helper()
	vars := testenv.ServiceEnv(t, "auth-app-test-key-0123456789abcdef", testenv.Mongo(t))
	maps.Copy(vars, env)
	bases := make([]string, n)
	for i := range bases {
		bases[i] = testenv.RunService(t, app.Run, vars)
	}
	return bases
}

// answer is what auth answered a POST of credentials.
type answer struct {
	status     int
	message    string // the error's, when there is exactly one
	retryAfter int    // seconds; 0 without the header
}

func postCredentials(t *testing.T, url, email, password string) answer {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Errors []struct{ Message string } }
	json.NewDecoder(res.Body).Decode(&body)
	a := answer{status: res.StatusCode}
	if len(body.Errors) == 1 {
		a.message = body.Errors[0].Message
	}
	a.retryAfter, _ = strconv.Atoi(res.Header.Get("Retry-After"))
	return a
}
