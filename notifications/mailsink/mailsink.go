// Package mailsink is an SMTP server that keeps what it receives, for the
// tests and the dev stack: it accepts every mail (and any AUTH PLAIN or
// LOGIN credentials) on a loopback address, keeps the newest 1,000 in
// memory, and shows them on a small web page and as JSON.
//
// It speaks enough SMTP for a real client (EHLO, AUTH, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT), without TLS: the client must be configured not to
// require it (SMTP_URL=smtp://127.0.0.1:PORT?tls=none).
package mailsink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"
)

// Keep is how many messages a Sink keeps; older ones are dropped.
const Keep = 1000

// maxSize bounds one message's data.
const maxSize = 10 << 20

// Sink is a running SMTP sink.
type Sink struct {
	ln  net.Listener
	log *slog.Logger

	mu      sync.Mutex
	msgs    []Message
	nextID  int
	reject  int // DATA replies to refuse with 451
	changed chan struct{}

	conns sync.WaitGroup
	open  map[net.Conn]struct{}
}

// Start listens for SMTP on addr ("127.0.0.1:0" picks a free port).
func Start(addr string, log *slog.Logger) (*Sink, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mailsink listen: %w", err)
	}
	s := &Sink{ln: ln, log: log, nextID: 1, changed: make(chan struct{}), open: map[net.Conn]struct{}{}}
	go s.serve()
	return s, nil
}

// Addr is the SMTP address, host:port.
func (s *Sink) Addr() string { return s.ln.Addr().String() }

// URL is the SMTP_URL of the notifications service for this sink.
func (s *Sink) URL() string { return "smtp://" + s.Addr() + "?tls=none" }

// Close stops listening and closes the open connections.
func (s *Sink) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.open {
		c.Close()
	}
	s.mu.Unlock()
	s.conns.Wait()
	return err
}

// Reject makes the sink answer the next n DATA commands with a temporary
// failure (451), to test a sender's retries.
func (s *Sink) Reject(n int) {
	s.mu.Lock()
	s.reject = n
	s.mu.Unlock()
}

// Messages returns the messages kept, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Message returns the message of id.
func (s *Sink) Message(id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return Message{}, false
}

// Clear drops every message.
func (s *Sink) Clear() {
	s.mu.Lock()
	s.msgs = nil
	s.mu.Unlock()
}

// Wait returns the messages that match keep once there are at least n of
// them, or an error when ctx ends first.
func (s *Sink) Wait(ctx context.Context, n int, keep func(Message) bool) ([]Message, error) {
	for {
		s.mu.Lock()
		var got []Message
		for _, m := range s.msgs {
			if keep == nil || keep(m) {
				got = append(got, m)
			}
		}
		changed := s.changed
		s.mu.Unlock()
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("waited for %d mails, got %d: %w", n, len(got), ctx.Err())
		}
	}
}

func (s *Sink) add(from string, to []string, raw []byte) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := parse(raw)
	m.ID, m.At, m.EnvelopeFrom, m.EnvelopeTo = s.nextID, time.Now().UTC(), from, to
	s.nextID++
	s.msgs = append(s.msgs, m)
	if len(s.msgs) > Keep {
		s.msgs = append([]Message(nil), s.msgs[len(s.msgs)-Keep:]...)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return m
}

func (s *Sink) takeReject() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reject > 0 {
		s.reject--
		return true
	}
	return false
}

func (s *Sink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.open[c] = struct{}{}
		s.conns.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.conns.Done()
			defer func() {
				s.mu.Lock()
				delete(s.open, c)
				s.mu.Unlock()
				c.Close()
			}()
			if err := s.session(c); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("mailsink session", "err", err)
			}
		}()
	}
}

// session runs one SMTP conversation.
func (s *Sink) session(c net.Conn) error {
	tp := textproto.NewConn(c)
	r := &tp.Reader
	reply := func(lines ...string) error {
		_ = c.SetWriteDeadline(time.Now().Add(time.Minute))
		return tp.PrintfLine("%s", strings.Join(lines, "\r\n"))
	}
	if err := reply("220 mailsink ESMTP ready"); err != nil {
		return err
	}
	var from string
	var to []string
	for {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Minute))
		line, err := r.ReadLine()
		if err != nil {
			return err
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			err = reply("250-mailsink", "250-8BITMIME", "250-SMTPUTF8", "250 AUTH PLAIN LOGIN")
		case "HELO":
			err = reply("250 mailsink")
		case "AUTH":
			err = auth(r, reply, arg)
		case "MAIL":
			from, to = address(arg), nil
			err = reply("250 2.1.0 OK")
		case "RCPT":
			to = append(to, address(arg))
			err = reply("250 2.1.5 OK")
		case "DATA":
			if len(to) == 0 {
				err = reply("503 5.5.1 RCPT first")
				break
			}
			if err = reply("354 end data with <CR><LF>.<CR><LF>"); err != nil {
				return err
			}
			var raw []byte
			raw, err = io.ReadAll(io.LimitReader(r.DotReader(), maxSize+1))
			if err != nil {
				return err
			}
			switch {
			case len(raw) > maxSize:
				err = reply("552 5.3.4 message too big")
			case s.takeReject():
				err = reply("451 4.3.0 try again later")
			default:
				m := s.add(from, to, raw)
				err = reply(fmt.Sprintf("250 2.0.0 OK queued as %d", m.ID))
			}
			from, to = "", nil
		case "RSET":
			from, to = "", nil
			err = reply("250 2.0.0 OK")
		case "NOOP":
			err = reply("250 2.0.0 OK")
		case "VRFY":
			err = reply("252 2.1.5 send some mail, I'll try my best")
		case "QUIT":
			_ = reply("221 2.0.0 bye")
			return nil
		default:
			err = reply("502 5.5.2 command not implemented")
		}
		if err != nil {
			return err
		}
	}
}

// auth accepts any credentials of AUTH PLAIN or LOGIN.
func auth(r *textproto.Reader, reply func(...string) error, arg string) error {
	mech, initial, _ := strings.Cut(arg, " ")
	switch strings.ToUpper(mech) {
	case "PLAIN":
		if initial == "" {
			if err := reply("334 "); err != nil {
				return err
			}
			if _, err := r.ReadLine(); err != nil {
				return err
			}
		}
	case "LOGIN":
		steps := []string{"334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"} // Username:, Password:
		if initial != "" {
			steps = steps[1:]
		}
		for _, p := range steps {
			if err := reply(p); err != nil {
				return err
			}
			if _, err := r.ReadLine(); err != nil {
				return err
			}
		}
	default:
		return reply("504 5.5.4 unrecognized authentication type")
	}
	return reply("235 2.7.0 authentication successful")
}

// address takes the address out of "FROM:<a@b> SIZE=…".
func address(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j >= 0 {
			return arg[i+1 : i+j]
		}
	}
	_, a, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(a)
}
