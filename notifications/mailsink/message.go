package mailsink

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// Message is one received mail.
type Message struct {
	ID           int       `json:"id"`
	At           time.Time `json:"at"`
	EnvelopeFrom string    `json:"envelopeFrom"`
	EnvelopeTo   []string  `json:"envelopeTo"`

	From      string `json:"from"`
	To        string `json:"to"`
	Subject   string `json:"subject"`
	MessageID string `json:"messageId"` // with its angle brackets, as sent
	Text      string `json:"text"`      // the text/plain part, decoded
	HTML      string `json:"html"`      // the text/html part, decoded
	Raw       string `json:"raw"`       // the whole message, line ends as \n
}

var words = new(mime.WordDecoder)

// parse reads the headers and the text and HTML parts of raw; what it
// cannot read stays only in Raw.
func parse(raw []byte) Message {
	m := Message{Raw: string(raw)}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return m
	}
	h := msg.Header
	dec := func(s string) string {
		if d, err := words.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	m.From, m.To, m.Subject, m.MessageID = dec(h.Get("From")), dec(h.Get("To")), dec(h.Get("Subject")), h.Get("Message-Id")
	m.walk(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), msg.Body, 0)
	return m
}

// walk collects the first text/plain and text/html parts, through nested
// multiparts.
func (m *Message) walk(contentType, encoding string, body io.Reader, depth int) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") && depth < 5 {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return
	}
	switch {
	case mt == "text/plain" && m.Text == "":
		m.Text = string(b)
	case mt == "text/html" && m.HTML == "":
		m.HTML = string(b)
	}
}

// newlineStripper drops the line breaks of a base64 body.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
