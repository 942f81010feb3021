// Package apiclient is the one HTTP client of the GitTix API that the
// tools and tests of infra/devstack share (the end-to-end, fault, load and
// storm tests, the bench): it sends JSON requests with a session cookie and reads
// the answers. Each caller keeps its own policy on top — fail the test,
// count the answer, retry — but none builds requests by hand.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/gittix/ticketing/common/auth"
)

// Client sends requests to Base (the gateway, or one service).
type Client struct {
	Base string
	HTTP *http.Client
}

// New returns a client of base with a 30 s timeout per request.
func New(base string) *Client {
	return &Client{Base: base, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// InProcess returns an HTTP client that serves every request with h in this
// process, as a server would receive it from httptest: no network. The
// storm test drives the services' handlers through it.
func InProcess(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	in := httptest.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), r.Body)
	in.Header = r.Header.Clone()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	return rec.Result(), nil
}

// Answer is a response, read whole.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Next returns the path of the next page a paged list announces in its
// Link header (rel="next"), or "".
func (a Answer) Next() string {
	for _, l := range a.Header.Values("Link") {
		for _, part := range strings.Split(l, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if ok && strings.Contains(params, `rel="next"`) {
				target = strings.TrimSpace(target)
				if u, err := url.Parse(strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")); err == nil {
					return u.RequestURI()
				}
			}
		}
	}
	return ""
}

// Decode decodes the JSON body into out.
func (a Answer) Decode(out any) error { return json.Unmarshal(a.Body, out) }

// Message returns the first error message of an error-shaped body, or "".
func (a Answer) Message() string {
	var e struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(a.Body, &e) != nil || len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Message
}

// Do sends method path with body — nil for none, []byte for raw JSON, else
// a value marshalled to JSON — and the session cookie (nil for none). err
// is a failure to get an answer at all.
func (c *Client) Do(ctx context.Context, method, path string, cookie *http.Cookie, body any) (Answer, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return Answer{}, fmt.Errorf("%s %s: encode body: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return Answer{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return Answer{Status: res.StatusCode, Header: res.Header, Body: b}, err
}

// Session returns the session cookie of u, signed with key as auth signs
// it: thousands of distinct users cost no sign-up each.
func Session(key []byte, u auth.User, ttl time.Duration) (*http.Cookie, error) {
	tok, err := auth.Sign(key, u, time.Now(), ttl)
	if err != nil {
		return nil, err
	}
	return &http.Cookie{Name: "session", Value: auth.EncodeCookie(tok)}, nil
}

// Ticket is a ticket as the API answers it.
type Ticket struct {
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Price   float64 `json:"price"`
	UserID  string  `json:"userId"`
	Version int64   `json:"version"`
	OrderID string  `json:"orderId"`
}

// Order is an order as the API answers it.
type Order struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	UserID    string    `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
	Version   int64     `json:"version"`
	Ticket    Ticket    `json:"ticket"`
}
