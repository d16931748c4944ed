package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
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
	); err != nil {
		t.Fatalf("sign in as %s: %v", username, err)
	}
	waitLoaded(t, ctx, "/console/")
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
	); err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, ctx, "/console/")
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
	t.Run("login", func(t *testing.T) {
		ctx := browsertest.New(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/login"), chromedp.WaitVisible(chromedp.ID("username"))); err != nil {
			t.Fatal(err)
		}
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("login: %s", p)
		}
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "login.png")); err != nil {
			t.Fatal(err)
		}
	})
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
				problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
				if err != nil {
					t.Fatalf("%s: audit: %v", href, err)
				}
				for _, p := range problems {
					t.Errorf("%s: %s", href, p)
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

// pageAudit lists what a clerk could not use on the page: a form control without a label, text
// whose contrast with its background is under 4.5:1 (WCAG AA), an image without alt text.
const pageAudit = `(() => {
  const out = [];
  const rgb = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null;
    const p = m[1].split(',').map(x => parseFloat(x)); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c && c.a >= 0.99) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const visible = el => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.opacity !== '0'; };
  document.querySelectorAll('input, select, textarea').forEach(el => {
    if (el.type === 'hidden' || !visible(el)) return;
    const named = (el.id && document.querySelector('label[for="' + el.id + '"]')) || el.closest('label') ||
      el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
    if (!named) out.push('form control without a label: ' + el.outerHTML.slice(0, 120));
  });
  document.querySelectorAll('img').forEach(el => { if (!el.hasAttribute('alt')) out.push('image without alt: ' + el.outerHTML.slice(0, 120)); });
  const seen = new Set();
  document.querySelectorAll('body *').forEach(el => {
    if (!visible(el) || el.closest('.chart') || el.closest('.loading-bar')) return;
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own) return;
    const cs = getComputedStyle(el); const fg = rgb(cs.color); if (!fg) return;
    const b = bg(el); const l1 = lum(fg), l2 = lum(b);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    if (ratio < 4.5) { const key = cs.color + '/' + getComputedStyle(el).backgroundColor + '/' + el.tagName;
      if (!seen.has(key)) { seen.add(key); out.push('contrast ' + ratio.toFixed(2) + ':1 for "' + el.textContent.trim().slice(0, 30) + '" (' + el.tagName.toLowerCase() + '.' + el.className + ')'); } }
  });
  return out;
})()`

// waitLoaded waits until the tab shows path (location.pathname), has finished loading and has
// no htmx request in flight: after a click that navigates, a query must not find a node of the
// page being left (chromedp then fails with "Could not find node with given id").
func waitLoaded(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	js := `location.pathname === ` + strconv.Quote(path) + ` && document.readyState === "complete" && !document.querySelector(".htmx-request")`
	deadline := time.Now().Add(30 * time.Second)
	for {
		// An evaluation during the navigation itself fails (its context is gone): ask again.
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for %s to load: %v", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
