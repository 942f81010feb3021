//go:build integration

package e2e_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's Chromium binary itself, skipping the launcher
// script. A missing browser fails the test: .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM_PATH"), "/usr/lib/chromium/chromium"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install it (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH")
	return ""
}

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser on a context without a timeout
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// page runs browser steps with a deadline, saving a screenshot and the HTML
// under .e2e-artifacts/ when one fails.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.fail(what, err)
	}
}

func (p page) text(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.fail("read "+sel, err)
	}
	return strings.TrimSpace(s)
}

// waitText polls until the element's text contains want.
func (p page) waitText(sel, want string, reload bool) {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			p.fail("wait for "+sel+" to contain "+strconv.Quote(want), errors.Join(err, errors.New("last text: "+s)))
		}
		if reload {
			p.do("reload", chromedp.Reload())
		} else {
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (p page) fail(what string, err error) {
	p.t.Helper()
	dir := filepath.Join(repoRoot(), ".e2e-artifacts")
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	if os.MkdirAll(dir, 0o755) == nil {
		name := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(p.t.Name()))
		if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(90)); serr == nil {
			os.WriteFile(name+".png", png, 0o644)
		}
		if html, herr := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); herr == nil {
			os.WriteFile(name+".html", []byte(html), 0o644)
		}
		p.t.Logf("screenshot and HTML saved under %s", dir)
	}
	p.t.Fatalf("%s: %v", what, err)
}

func repoRoot() string {
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d
		}
	}
	return dir
}

func (p page) signUp(base, email string) {
	p.t.Helper()
	p.do("sign up",
		chromedp.Navigate(base+"/auth/signup"),
		chromedp.WaitVisible(chromedp.CSS("form#signup")),
		chromedp.SendKeys(chromedp.CSS("form#signup input[name=email]"), email),
		chromedp.SendKeys(chromedp.CSS("form#signup input[name=password]"), "secret-pass"),
		chromedp.Click(chromedp.CSS("button#signup-submit")),
		chromedp.WaitVisible(chromedp.CSS("a#nav-sell")),
	)
}

func (p page) signOut() {
	p.t.Helper()
	p.do("sign out",
		chromedp.Click(chromedp.CSS("button#signout-submit")),
		chromedp.WaitVisible(chromedp.CSS("a#nav-signin")),
	)
}

func TestBrowserFlow(t *testing.T) {
	t.Parallel()
	base := startApp(t, nil)
	p := page{t: t, ctx: newBrowser(t)}
	title := "Browser Concert " + randHex(3)

	// A seller signs up and sells a ticket; it shows on the landing page.
	p.signUp(base, "seller-"+randHex(4)+"@example.com")
	p.do("sell a ticket",
		chromedp.Click(chromedp.CSS("a#nav-sell")),
		chromedp.WaitVisible(chromedp.CSS("form#new-ticket")),
		chromedp.SendKeys(chromedp.CSS("form#new-ticket input[name=title]"), title),
		chromedp.SendKeys(chromedp.CSS("form#new-ticket input[name=price]"), "25.50"),
		chromedp.Click(chromedp.CSS("button#create-ticket")),
		chromedp.WaitVisible(chromedp.CSS("table#tickets")),
	)
	p.waitText("table#tickets", title, true)
	p.signOut()

	// A buyer purchases it and sees the countdown.
	p.signUp(base, "buyer-"+randHex(4)+"@example.com")
	p.waitText("table#tickets", title, true)
	p.do("open the ticket",
		chromedp.Click(chromedp.JSPath(`[...document.querySelectorAll("table#tickets tr")].find(r => r.textContent.includes(`+strconv.Quote(title)+`)).querySelector("a.view")`)),
		chromedp.WaitVisible(chromedp.CSS("button#purchase")),
	)
	if got := p.text("h1#ticket-title"); got != title {
		t.Errorf("ticket page title = %q, want %q", got, title)
	}
	if got := p.text("#ticket-price"); !strings.Contains(got, "25.50") {
		t.Errorf("ticket page price = %q", got)
	}
	// The order service learns of a new ticket asynchronously: retry the
	// purchase until it is accepted.
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.do("purchase", chromedp.Click(chromedp.CSS("button#purchase")), chromedp.WaitVisible(chromedp.CSS("body")))
		ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
		err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#countdown")))
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			p.fail("purchase", err)
		}
		p.do("back to the ticket", chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS("button#purchase")))
	}
	first, err := strconv.Atoi(p.text("span#seconds"))
	if err != nil || first <= 0 || first > 900 {
		t.Fatalf("countdown starts at %q", p.text("#countdown"))
	}
	eventually(t, "countdown ticks", func() bool {
		n, err := strconv.Atoi(p.text("span#seconds"))
		return err == nil && n < first
	})

	// Pay with the test card; the order shows as complete under My Orders.
	p.do("pay",
		chromedp.Click(chromedp.CSS("button#pay")),
		chromedp.WaitVisible(chromedp.CSS("ul#orders")),
	)
	p.waitText("ul#orders", title+" - complete", true)
	p.signOut()
}
