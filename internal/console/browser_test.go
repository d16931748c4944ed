package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// signInBrowser signs the tab of ctx in through the sign-in form as username (a demo account;
// they share demoPassword) and waits for the work bench's menu.
func signInBrowser(t testing.TB, ctx context.Context, e *env, username string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/login"),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/console/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.sidebar`)),
	); err != nil {
		t.Fatalf("sign in as %s: %v", username, err)
	}
}

// TestBrowser_SignInWrongPasswordThenSignOut: a clerk mistypes the password, reads why, signs in,
// sees the work bench with the menu of a township clerk, and signs out.
func TestBrowser_SignInWrongPasswordThenSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The wrong password's answer is a 401 page: Chromium logs the status as a failed load.
	ctx := browsertest.New(t, browsertest.AllowErrors(`status of 401`))
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "demo_guanbuqiao"),
		chromedp.SendKeys(chromedp.ID("password"), "not-the-password-1"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("login-error")),
	); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("login-error")))
	if err != nil || !strings.Contains(msg, "用户名或密码错误") {
		t.Fatalf("wrong password shows %q (%v)", msg, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), demoPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.sidebar`)),
	); err != nil {
		t.Fatal(err)
	}
	menu, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`nav.sidebar`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(menu, "工作台") || strings.Contains(menu, "系统") {
		t.Fatalf("township clerk's menu: %q", menu)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("username")),
	); err != nil {
		t.Fatal(err)
	}
}

// TestScreenshots renders every page of the menu with the demo data, for the district
// administrator and a township clerk, as PNGs: into $HX_SCREENSHOTS when set (make screenshots
// writes var/screenshots/ for the README), else into a temporary folder. Every page must load
// without a script error or CSP violation.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("HX_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	e := newEnv(t)
	for _, who := range []struct{ role, username string }{{"admin", "admin"}, {"township", "demo_guanbuqiao"}} {
		t.Run(who.role, func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Timeout(3*time.Minute))
			signInBrowser(t, ctx, e, who.username)
			hrefs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`Array.from(document.querySelectorAll('nav.sidebar a')).map(a => a.getAttribute('href'))`))
			if err != nil {
				t.Fatal(err)
			}
			if len(hrefs) == 0 {
				t.Fatal("no menu")
			}
			for _, href := range hrefs {
				if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+href), chromedp.WaitVisible(chromedp.CSS(`main`))); err != nil {
					t.Fatalf("%s: %v", href, err)
				}
				name := strings.Trim(strings.ReplaceAll(strings.TrimPrefix(href, "/console"), "/", "-"), "-")
				if name == "" {
					name = "home"
				}
				path := filepath.Join(dir, who.role+"-"+name+".png")
				if err := browsertest.Screenshot(ctx, path); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("%d screenshots in %s", len(hrefs), dir)
		})
	}
}
