package mailsink_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/gittix/ticketing/notifications/mailsink"
)

func start(t *testing.T) *mailsink.Sink {
	t.Helper()
	s, err := mailsink.Start("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const multipartMail = "From: GitTix <no-reply@gittix.test>\r\n" +
	"To: buyer@example.test\r\n" +
	"Subject: =?UTF-8?q?Caf=C3=A9_<b>receipt</b>?=\r\n" +
	"Message-ID: <o1.receipt@gittix.test>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XYZ\r\n" +
	"\r\n" +
	"--XYZ\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Price: $12.50 =E2=80=94 paid\r\n" +
	".a line that starts with a dot\r\n" +
	"--XYZ\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0PnBhaWQ8L3A+\r\n" +
	"--XYZ--\r\n"

func TestSinkReceivesAndShows(t *testing.T) {
	t.Parallel()
	s := start(t)
	auth := smtp.PlainAuth("", "user", "secret", "127.0.0.1")
	if err := smtp.SendMail(s.Addr(), auth, "no-reply@gittix.test", []string{"buyer@example.test"}, []byte(multipartMail)); err != nil {
		t.Fatalf("send: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := s.Wait(ctx, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := got[0]
	if m.Subject != "Café <b>receipt</b>" || m.MessageID != "<o1.receipt@gittix.test>" || m.EnvelopeFrom != "no-reply@gittix.test" ||
		len(m.EnvelopeTo) != 1 || m.EnvelopeTo[0] != "buyer@example.test" {
		t.Errorf("headers: %+v", m)
	}
	if want := "Price: $12.50 — paid\n.a line that starts with a dot"; m.Text != want {
		t.Errorf("text = %q, want %q (decoded, dot-unstuffed)", m.Text, want)
	}
	if want := "<p><script>alert(1)</script>paid</p>"; m.HTML != want {
		t.Errorf("html = %q, want %q", m.HTML, want)
	}

	srv := httptest.NewServer(http.StripPrefix("/mail", s.Handler()))
	defer srv.Close()
	page := get(t, srv.URL+"/mail/")
	if !strings.Contains(page, "Café &lt;b&gt;receipt&lt;/b&gt;") || !strings.Contains(page, `href="messages/1"`) {
		t.Errorf("list page lacks the escaped subject or the link:\n%s", page)
	}
	one := get(t, srv.URL+"/mail/messages/1")
	if strings.Contains(one, "<script>") || !strings.Contains(one, `sandbox=""`) {
		t.Errorf("message page shows the HTML body unescaped or unsandboxed:\n%s", one)
	}
	var list []mailsink.Message
	if err := json.Unmarshal([]byte(get(t, srv.URL+"/mail/api/messages")), &list); err != nil || len(list) != 1 || list[0].ID != 1 {
		t.Errorf("json = %+v, %v", list, err)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+"/mail/api/messages", nil)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", res, err)
	}
	if n := len(s.Messages()); n != 0 {
		t.Errorf("%d messages after DELETE", n)
	}
}

func TestSinkReject(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.Reject(1)
	err := smtp.SendMail(s.Addr(), nil, "a@gittix.test", []string{"b@example.test"}, []byte("Subject: x\r\n\r\nhi\r\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "451") {
		t.Fatalf("first send: err = %v, want 451", err)
	}
	if err := smtp.SendMail(s.Addr(), nil, "a@gittix.test", []string{"b@example.test"}, []byte("Subject: x\r\n\r\nhi\r\n")); err != nil {
		t.Fatalf("second send: %v", err)
	}
	if n := len(s.Messages()); n != 1 {
		t.Errorf("kept %d, want 1", n)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return string(b)
}
