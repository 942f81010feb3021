// Package apiclient calls the GitTix API (SPEC §4–§7) on behalf of a browser:
// it forwards the browser's cookies, collects the API's Set-Cookie headers so
// the web client can relay them unchanged, and turns error answers into
// *Error values carrying the SPEC §2 messages.
package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gittix/ticketing/common/telemetry"
	"github.com/gittix/ticketing/common/web"
)

// maxBody bounds what is read of one API answer.
const maxBody = 8 << 20

// ErrUnreachable wraps every failure to get an answer from the API (refused
// connection, timeout, broken body).
var ErrUnreachable = errors.New("API unreachable")

// Error is an API answer with status 400 or above, holding the messages of
// its SPEC §2 body.
type Error struct {
	Status int
	Errors []web.FieldError
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, fe := range e.Errors {
		msgs[i] = fe.Message
	}
	return fmt.Sprintf("API answered %d: %s", e.Status, strings.Join(msgs, "; "))
}

// StatusOf returns the status of an *Error in err's chain, or 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Client is safe for concurrent use; make one and reuse it.
type Client struct {
	base     string            // API_BASE_URL without a trailing slash
	host     string            // Host header for the ingress; empty: the base URL's host
	services map[string]string // path prefix → the URL of the service serving it
	http     *http.Client
}

// Endpoints say where the API is.
type Endpoints struct {
	// Base is the edge serving every prefix (e.g. http://127.0.0.1:8080);
	// Host, when not empty, is sent to it as the Host header.
	Base, Host string
	// Services maps a path prefix such as "/api/users" to the URL of the
	// service that serves it, called directly instead of Base.
	Services map[string]string
}

// New returns a client of the API at e. Each call gives up after timeout.
func New(e Endpoints, timeout time.Duration) (*Client, error) {
	urls := slices.Collect(maps.Values(e.Services))
	if e.Base != "" || len(urls) == 0 {
		urls = append(urls, e.Base)
	}
	for _, raw := range urls {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("API URL %q is not an http(s) URL", raw)
		}
	}
	services := make(map[string]string, len(e.Services))
	for prefix, u := range e.Services {
		services[strings.TrimRight(prefix, "/")] = strings.TrimRight(u, "/")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 32
	return &Client{
		base:     strings.TrimRight(e.Base, "/"),
		host:     e.Host,
		services: services,
		http: &http.Client{
			// A client span per call; the API continues its trace.
			Transport: telemetry.Transport(tr),
			Timeout:   timeout,
			// The API never redirects; following one could carry the
			// browser's cookies somewhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// target returns the URL path is sent to and the Host header to send, if
// any: the service serving path's prefix, else the edge.
func (c *Client) target(path string) (string, string, error) {
	for prefix, u := range c.services {
		if path == prefix || strings.HasPrefix(path, prefix+"/") || strings.HasPrefix(path, prefix+"?") {
			return u + path, "", nil
		}
	}
	if c.base == "" {
		return "", "", fmt.Errorf("%w: no URL for %s", ErrUnreachable, path)
	}
	return c.base + path, c.host, nil
}

// CloseIdleConnections releases pooled connections (at shutdown).
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Session returns a session that sends cookie (the browser's Cookie header,
// possibly empty) with each call.
func (c *Client) Session(cookie string) *Session {
	return &Session{c: c, cookie: cookie}
}

// Session is the API seen by one browser request. Not safe for concurrent use.
type Session struct {
	c          *Client
	cookie     string
	setCookies []string
}

// SetCookies returns the Set-Cookie header values the API answered so far,
// byte for byte, to be relayed to the browser.
func (s *Session) SetCookies() []string { return s.setCookies }

// do sends one request; in, when not nil, is sent as JSON; a 2xx JSON body is
// decoded into out when out is not nil.
func (s *Session) do(ctx context.Context, method, path string, in, out any) error {
	_, err := s.send(ctx, method, path, in, out)
	return err
}

// send is do that also returns the answer's headers.
func (s *Session) send(ctx context.Context, method, path string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	target, host, err := s.c.target(path)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if s.cookie != "" {
		req.Header.Set("Cookie", s.cookie)
	}
	if host != "" {
		req.Host = host
	}
	res, err := s.c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnreachable, method, path, err)
	}
	defer res.Body.Close()
	s.setCookies = append(s.setCookies, res.Header.Values("Set-Cookie")...)
	data, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: read answer: %w", ErrUnreachable, method, path, err)
	}
	if res.StatusCode >= 400 {
		return nil, decodeError(res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: decode answer %d: %w", method, path, res.StatusCode, err)
		}
	}
	return res.Header, nil
}

// decodeError reads the SPEC §2 error shape; any other body (a proxy's HTML
// page, say) becomes the status text.
func decodeError(status int, data []byte) *Error {
	var body struct {
		Errors []web.FieldError `json:"errors"`
	}
	if err := json.Unmarshal(data, &body); err != nil || len(body.Errors) == 0 {
		msg := http.StatusText(status)
		if msg == "" {
			msg = "Error " + strconv.Itoa(status)
		}
		return &Error{Status: status, Errors: []web.FieldError{{Message: msg}}}
	}
	return &Error{Status: status, Errors: body.Errors}
}
