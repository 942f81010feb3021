// Package mail renders the service's emails from embedded templates — a
// text/plain body (text/template) and a text/html body (html/template,
// which escapes what users wrote, like the web client) — and sends them
// over SMTP.
package mail

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/gittix/ticketing/notifications/internal/notify"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var funcs = map[string]any{
	"price": func(p float64) string { return fmt.Sprintf("$%.2f", p) },
	"when":  func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 MST") },
}

// Composer renders the emails; it implements notify.Composer.
type Composer struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var _ notify.Composer = (*Composer)(nil)

var subjects = map[notify.Kind]string{
	notify.KindReceipt: "Your GitTix receipt",
	notify.KindExpired: "Your GitTix reservation expired",
}

// NewComposer parses the templates.
func NewComposer() (*Composer, error) {
	text, err := texttemplate.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.txt.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse text templates: %w", err)
	}
	html, err := htmltemplate.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse html templates: %w", err)
	}
	return &Composer{text: text, html: html}, nil
}

// Compose implements notify.Composer. The subject is fixed per kind: no
// user text reaches a header but the recipient's address.
func (c *Composer) Compose(kind notify.Kind, d notify.Details) (subject, text, html string, err error) {
	subject, ok := subjects[kind]
	if !ok {
		return "", "", "", fmt.Errorf("no email of kind %q", kind)
	}
	var tb, hb bytes.Buffer
	if err := c.text.ExecuteTemplate(&tb, string(kind)+".txt.tmpl", d); err != nil {
		return "", "", "", fmt.Errorf("render %s text: %w", kind, err)
	}
	if err := c.html.ExecuteTemplate(&hb, string(kind)+".html.tmpl", d); err != nil {
		return "", "", "", fmt.Errorf("render %s html: %w", kind, err)
	}
	return subject, strings.TrimSpace(tb.String()) + "\n", hb.String(), nil
}
