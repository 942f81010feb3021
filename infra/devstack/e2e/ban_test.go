//go:build integration

package e2e_test

import (
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"
)

// TestBan: an admin bans a user who sells a ticket and holds an order.
// Every service answers that user's still-valid session 401 (the time from
// the ban's answer to the last 401 is logged: the target is 1 s), the
// user's open order is cancelled and its ticket freed, and the user cannot
// sign in again. Anyone but an admin gets 403.
func TestBan(t *testing.T) {
	t.Parallel()
	base := startApp(t, map[string]string{"ADMIN_EMAILS": "Boss@Example.com, other-admin@example.com"})
	jar, _ := cookiejar.New(nil)
	admin := &user{t: t, base: base, email: "boss@example.com", http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	admin.mustDo("POST", "/api/users/signup", map[string]any{"email": admin.email, "password": "secret-pass"}, 201, nil)
	seller, victim := newUser(t, base), newUser(t, base)

	var own, held ticket
	victim.mustDo("POST", "/api/tickets", map[string]any{"title": "Victim's own", "price": 5}, 201, &own)
	seller.mustDo("POST", "/api/tickets", map[string]any{"title": "Held by the victim", "price": 9}, 201, &held)
	o := placeOrder(t, victim, held.ID)
	var me struct{ CurrentUser struct{ ID string } }
	victim.mustDo("GET", "/api/users/currentuser", nil, 200, &me)

	if got := seller.do("POST", "/api/users/"+me.CurrentUser.ID+"/ban", nil, nil); got != http.StatusForbidden {
		t.Fatalf("a non-admin's ban = %d, want 403", got)
	}
	var banned struct{ Banned bool }
	admin.mustDo("POST", "/api/users/"+me.CurrentUser.ID+"/ban", nil, 200, &banned)
	at := time.Now()
	if !banned.Banned {
		t.Fatal("ban answered banned=false")
	}

	refused := map[string]time.Duration{}
	eventually(t, "every service refuses the banned user's session", func() bool {
		for name, try := range map[string]func() int{
			"tickets": func() int { return victim.do("POST", "/api/tickets", map[string]any{"title": "x", "price": 1}, nil) },
			"orders":  func() int { return victim.do("GET", "/api/orders", nil, nil) },
			"payments": func() int {
				return victim.do("POST", "/api/payments", map[string]any{"token": "tok_visa", "orderId": o.ID}, nil)
			},
		} {
			if _, done := refused[name]; !done && try() == http.StatusUnauthorized {
				refused[name] = time.Since(at)
			}
		}
		return len(refused) == 3
	})
	t.Logf("ban → 401: %v", refused)

	eventually(t, "the banned user's order cancelled and its ticket free", func() bool {
		var got ticket
		seller.mustDo("GET", "/api/tickets/"+held.ID, nil, 200, &got)
		return got.OrderID == ""
	})
	if got := seller.do("POST", "/api/orders", map[string]any{"ticketId": held.ID}, nil); got != http.StatusCreated {
		t.Errorf("ordering the freed ticket = %d, want 201", got)
	}
	if got := victim.do("POST", "/api/users/signin", map[string]any{"email": victim.email, "password": "secret-pass"}, nil); got != http.StatusForbidden {
		t.Errorf("the banned user's sign-in = %d, want 403", got)
	}
	// The others go on.
	if got := seller.do("GET", "/api/orders", nil, nil); got != http.StatusOK {
		t.Errorf("another user's GET /api/orders = %d, want 200", got)
	}
}
