//go:build integration

package faults_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/common/auth/authtest"
	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
	"github.com/gittix/ticketing/infra/devstack/internal/poll"
)

// user is an API client signed in as a fresh user.
type user struct {
	t      *testing.T
	id     string
	cookie *http.Cookie
	api    *apiclient.Client
}

func newUser(t *testing.T) *user {
	t.Helper()
	u := auth.User{ID: randHex(12), Email: "u" + randHex(4) + "@faults.test"}
	return &user{t: t, id: u.ID, cookie: authtest.Cookie(t, []byte(jwtKey), u), api: apiclient.New("")}
}

// do sends a JSON request to url and returns the status and body; err is
// a transport error (no answer).
func (u *user) do(method, url string, body any) (int, []byte, error) {
	a, err := u.api.Do(context.Background(), method, url, u.cookie, body)
	return a.Status, a.Body, err
}

// must sends a request that must answer want, and decodes the answer into
// out (if not nil).
func (u *user) must(method, url string, body any, want int, out any) {
	u.t.Helper()
	code, b, err := u.do(method, url, body)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, url, err)
	}
	if code != want {
		u.t.Fatalf("%s %s = %d %s, want %d", method, url, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			u.t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
		}
	}
}

type (
	ticketJSON = apiclient.Ticket
	orderJSON  = apiclient.Order
)

// sell creates a ticket.
func (u *user) sell(tickets string, title string, price float64) ticketJSON {
	u.t.Helper()
	var tk ticketJSON
	u.must("POST", tickets+"/api/tickets", map[string]any{"title": title, "price": price}, http.StatusCreated, &tk)
	return tk
}

// order orders the ticket, retrying while orders does not know it yet (404)
// or cannot answer (a restart, an outage). After a request that got no
// answer, it first looks whether that request made the order.
func (u *user) order(orders string, ticketID string, limit time.Duration) orderJSON {
	u.t.Helper()
	var o orderJSON
	poll.Until(u.t, limit, "order of ticket "+ticketID+" placed", func() (bool, string) {
		var mine []orderJSON
		if code, b, err := u.do("GET", orders+"/api/orders", nil); err == nil && code == http.StatusOK {
			if json.Unmarshal(b, &mine) == nil {
				for _, m := range mine {
					if m.Ticket.ID == ticketID {
						o = m
						return true, ""
					}
				}
			}
		}
		code, b, err := u.do("POST", orders+"/api/orders", map[string]any{"ticketId": ticketID})
		if err != nil {
			return false, err.Error()
		}
		if code == http.StatusCreated {
			return json.Unmarshal(b, &o) == nil, ""
		}
		return false, fmt.Sprintf("%d %s", code, b)
	})
	return o
}

// pay pays for the order, retrying while payments does not know it yet or
// cannot answer. "Order is already paid" after a request that got no answer
// means that request paid.
func (u *user) pay(payments string, orderID string, limit time.Duration) {
	u.t.Helper()
	answered := true
	poll.Until(u.t, limit, "order "+orderID+" paid", func() (bool, string) {
		code, b, err := u.do("POST", payments+"/api/payments", map[string]any{"token": "tok_visa", "orderId": orderID})
		if err != nil {
			answered = false
			return false, err.Error()
		}
		if code == http.StatusBadRequest && !answered && strings.Contains(string(b), "already paid") {
			return true, ""
		}
		return code == http.StatusCreated, fmt.Sprintf("%d %s", code, b)
	})
}

// ticket reads a ticket.
func (u *user) ticket(tickets string, id string) (ticketJSON, error) {
	var tk ticketJSON
	code, b, err := u.do("GET", tickets+"/api/tickets/"+id, nil)
	if err != nil {
		return tk, err
	}
	if code != http.StatusOK {
		return tk, fmt.Errorf("GET ticket %s = %d %s", id, code, b)
	}
	return tk, json.Unmarshal(b, &tk)
}

// orderStatus reads an order's status.
func (u *user) orderStatus(orders string, id string) (string, error) {
	var o orderJSON
	code, b, err := u.do("GET", orders+"/api/orders/"+id, nil)
	if err != nil {
		return "", err
	}
	if code != http.StatusOK {
		return "", fmt.Errorf("GET order %s = %d %s", id, code, b)
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return "", err
	}
	return o.Status, nil
}

// waitTicketOrder waits until the ticket shows orderId (empty: not
// reserved).
func (u *user) waitTicketOrder(tickets string, id, orderID string, limit time.Duration) {
	u.t.Helper()
	poll.Until(u.t, limit, fmt.Sprintf("ticket %s shows orderId %q", id, orderID), func() (bool, string) {
		tk, err := u.ticket(tickets, id)
		if err != nil {
			return false, err.Error()
		}
		return tk.OrderID == orderID, fmt.Sprintf("orderId %q version %d", tk.OrderID, tk.Version)
	})
}

// waitOrderStatus waits until the order has the status.
func (u *user) waitOrderStatus(orders string, id, status string, limit time.Duration) {
	u.t.Helper()
	poll.Until(u.t, limit, "order "+id+" "+status, func() (bool, string) {
		got, err := u.orderStatus(orders, id)
		if err != nil {
			return false, err.Error()
		}
		return got == status, "status " + got
	})
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
