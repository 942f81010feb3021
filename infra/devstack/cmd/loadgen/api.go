package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/gittix/ticketing/common/auth"
	"github.com/gittix/ticketing/infra/devstack/internal/apiclient"
)

// api is a client of the GitTix API that mints session cookies itself (the
// key is the app's JWT_KEY), so that thousands of distinct users cost no
// sign-up each.
type api struct {
	client  *apiclient.Client
	key     []byte
	seller  *http.Cookie // the session of the user who sells every ticket
	created atomic.Int64 // tickets created through this client

	mu      sync.Mutex
	ordered []string       // tickets ordered since the last takeOrdered
	signed  []*http.Cookie // sessions of users who "signed up" (signUpUsers), handed out first
}

// noteOrdered records that ticket id got an order.
func (a *api) noteOrdered(id string) {
	a.mu.Lock()
	a.ordered = append(a.ordered, id)
	a.mu.Unlock()
}

// takeOrdered returns the tickets ordered since the last call.
func (a *api) takeOrdered() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := a.ordered
	a.ordered = nil
	return ids
}

func newAPI(base string, key []byte, conns int) *api {
	tr := &http.Transport{
		MaxIdleConns:        0, // no limit
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
	}
	a := &api{client: &apiclient.Client{Base: base, HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, key: key}
	a.seller = a.newUser()
	return a
}

// newUser returns the session cookie of a new user: one signUpUsers made,
// else one minted on the spot (a user no service has heard of).
func (a *api) newUser() *http.Cookie {
	a.mu.Lock()
	if len(a.signed) > 0 {
		c := a.signed[0]
		a.signed = a.signed[1:]
		a.mu.Unlock()
		return c
	}
	a.mu.Unlock()
	id := bson.NewObjectID().Hex()
	c, err := apiclient.Session(a.key, auth.User{ID: id, Email: "u" + id + "@bench.test"}, 24*time.Hour)
	if err != nil {
		panic(err) // HS256 signing with a non-empty key cannot fail
	}
	return c
}

// statusError is an answer other than the expected one.
type statusError struct {
	method, path string
	status, want int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d, want %d: %.200s", e.method, e.path, e.status, e.want, e.body)
}

// do sends one request with a JSON body (if body is not nil) and the cookie
// (if any). It returns an error unless the status is want; out, if not nil,
// gets the decoded answer.
func (a *api) do(ctx context.Context, method, path string, cookie *http.Cookie, body []byte, want int, out any) error {
	status, err := a.send(ctx, method, path, cookie, body, out)
	if err != nil {
		return err
	}
	if status.code != want {
		return &statusError{method, path, status.code, want, status.body}
	}
	return nil
}

type answer struct {
	code int
	body string // kept for answers other than 2xx
}

func (a *api) send(ctx context.Context, method, path string, cookie *http.Cookie, body []byte, out any) (answer, error) {
	var b any
	if body != nil {
		b = body
	}
	res, err := a.client.Do(ctx, method, path, cookie, b)
	if err != nil {
		return answer{}, err
	}
	ans := answer{code: res.Status}
	switch {
	case res.Status >= 300:
		ans.body = string(res.Body[:min(len(res.Body), 4096)])
	case out != nil:
		if err := res.Decode(out); err != nil {
			return ans, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return ans, nil
}

type (
	ticketJSON = apiclient.Ticket
	orderJSON  = apiclient.Order
)

// createTicket creates one ticket for sale and returns its id.
func (a *api) createTicket(ctx context.Context) (string, error) {
	n := a.created.Load()
	body := fmt.Appendf(nil, `{"title":"Bench ticket %d","price":%d}`, n, 10+n%90)
	var t ticketJSON
	if err := a.do(ctx, "POST", "/api/tickets", a.seller, body, http.StatusCreated, &t); err != nil {
		return "", err
	}
	a.created.Add(1)
	return t.ID, nil
}

// createTickets creates n tickets, a few at a time.
func (a *api) createTickets(ctx context.Context, n int) ([]string, error) {
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for w := range errs {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				id, err := a.createTicket(ctx)
				if err != nil {
					errs[w] = err
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	return ids, errors.Join(errs...)
}

// order places an order for ticket id as the user of cookie.
func (a *api) order(ctx context.Context, cookie *http.Cookie, id string) (answer, orderJSON, error) {
	var o orderJSON
	ans, err := a.send(ctx, "POST", "/api/orders", cookie, orderBody(id), &o)
	return ans, o, err
}

func orderBody(ticketID string) []byte { return []byte(`{"ticketId":"` + ticketID + `"}`) }

// available returns how many tickets GET /api/tickets lists, page after
// page.
func (a *api) available(ctx context.Context) (int, error) {
	n := 0
	for path := "/api/tickets?limit=500"; path != ""; {
		res, err := a.client.Do(ctx, "GET", path, nil, nil)
		if err != nil {
			return n, err
		}
		var ts []ticketJSON
		if res.Status != http.StatusOK {
			return n, &statusError{"GET", path, res.Status, http.StatusOK, string(res.Body)}
		}
		if err := res.Decode(&ts); err != nil {
			return n, fmt.Errorf("GET %s: decode: %w", path, err)
		}
		n += len(ts)
		path = res.Next()
	}
	return n, nil
}
