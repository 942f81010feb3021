package mailsink

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
)

// Handler serves the kept messages: GET / lists them, GET /messages/{id}
// shows one (its HTML body in a sandboxed frame: no script runs), GET
// /api/messages returns them as JSON (newest last) and DELETE /api/messages
// drops them. Links are relative, so it can be mounted under a prefix with
// http.StripPrefix.
func (s *Sink) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		msgs := s.Messages()
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i] // newest first
		}
		render(w, listPage, map[string]any{"Messages": msgs, "SMTP": s.Addr()})
	})
	mux.HandleFunc("GET /messages/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		m, ok := s.Message(id)
		if err != nil || !ok {
			http.NotFound(w, r)
			return
		}
		render(w, messagePage, m)
	})
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		msgs := s.Messages()
		if msgs == nil {
			msgs = []Message{}
		}
		_ = json.NewEncoder(w).Encode(msgs)
	})
	mux.HandleFunc("DELETE /api/messages", func(w http.ResponseWriter, _ *http.Request) {
		s.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

func render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'")
	if err := t.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

const style = `<style>body{font-family:sans-serif;margin:2em}td,th{padding:.3em .8em;text-align:left;border-bottom:1px solid #ddd}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}iframe{width:100%;height:30em;border:1px solid #ccc}</style>`

var listPage = template.Must(template.New("list").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mail sink</title>` + style + `</head><body>
<h1>Mail sink</h1>
<p>{{len .Messages}} message(s) received on SMTP {{.SMTP}}, newest first.</p>
<table><tr><th>#</th><th>received</th><th>to</th><th>subject</th><th>Message-ID</th></tr>
{{range .Messages}}<tr><td><a href="messages/{{.ID}}">{{.ID}}</a></td><td>{{.At.Format "15:04:05"}}</td><td>{{.To}}</td><td><a href="messages/{{.ID}}">{{.Subject}}</a></td><td>{{.MessageID}}</td></tr>
{{end}}</table>
</body></html>`))

var messagePage = template.Must(template.New("message").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Subject}}</title>` + style + `</head><body>
<p><a href="../">← all messages</a></p>
<h1>{{.Subject}}</h1>
<table>
<tr><th>From</th><td>{{.From}}</td></tr>
<tr><th>To</th><td>{{.To}}</td></tr>
<tr><th>Message-ID</th><td>{{.MessageID}}</td></tr>
<tr><th>Received</th><td>{{.At.Format "2006-01-02 15:04:05 MST"}}</td></tr>
</table>
{{if .HTML}}<h2>HTML</h2><iframe sandbox="" srcdoc="{{.HTML}}" title="HTML body"></iframe>{{end}}
<h2>Text</h2><pre>{{.Text}}</pre>
<details><summary>Raw</summary><pre>{{.Raw}}</pre></details>
</body></html>`))
