package browsertest_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// The strict policy the console is served with, minus what these pages do not need.
const csp = "default-src 'self'"

const pageHead = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>%s</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/app.css"></head><body>
`

const appCSS = `body { font-family: sans-serif; margin: 2rem; font-size: 18px; }
h1 { font-size: 32px; }
.big { font-size: 48px; }`

// form.js is the page's only script: an external file, so the CSP allows it.
const formJS = `document.getElementById('name').addEventListener('input', function (e) {
  document.getElementById('greeting').textContent = '你好，' + e.target.value;
});`

// broken.js fails in the two ways the harness must catch besides CSP violations.
const brokenJS = `console.error('坏了: console.error from broken.js');
throw new Error('boom from broken.js');`

var lastAcceptLanguage struct {
	sync.Mutex
	value string
}

func server(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, title, body string) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, pageHead, title)
		fmt.Fprint(w, body, "\n</body></html>\n")
	}
	static := func(typ, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", typ)
			fmt.Fprint(w, body)
		}
	}
	mux.HandleFunc("GET /app.css", static("text/css; charset=utf-8", appCSS))
	mux.HandleFunc("GET /form.js", static("text/javascript; charset=utf-8", formJS))
	mux.HandleFunc("GET /broken.js", static("text/javascript; charset=utf-8", brokenJS))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		lastAcceptLanguage.Lock()
		lastAcceptLanguage.value = r.Header.Get("Accept-Language")
		lastAcceptLanguage.Unlock()
		page(w, "回乡服务专区", `<h1>咸安区“双回双创”线上服务专区</h1>
<p class="big">返乡创业补贴 · 担保贷款 · 积分兑换</p>
<form id="f" method="post" action="/submit">
  <label for="name">姓名</label> <input id="name" name="name" autocomplete="off">
  <button id="send" type="submit">提交</button>
</form>
<p id="greeting"></p>
<script src="/form.js"></script>`)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		page(w, "已提交", `<p id="result">已收到：`+html.EscapeString(r.PostFormValue("name"))+`</p>`)
	})
	mux.HandleFunc("GET /inline", func(w http.ResponseWriter, _ *http.Request) {
		page(w, "内联脚本", `<p id="text">内联脚本被 CSP 拦截</p>
<script>document.getElementById('text').textContent = 'inline script ran';</script>`)
	})
	mux.HandleFunc("GET /broken", func(w http.ResponseWriter, _ *http.Request) {
		page(w, "出错的页面", `<p id="text">这个页面会出错</p>
<script>document.title = 'inline script ran';</script>
<script src="/broken.js"></script>`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestFormUnderCSP(t *testing.T) {
	t.Parallel()
	srv := server(t)
	ctx := browsertest.New(t)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "张三"),
	); err != nil {
		t.Fatal(err)
	}
	// form.js (an external script, allowed by the CSP) answers the typing.
	greeting, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("greeting")))
	if err != nil {
		t.Fatal(err)
	}
	if greeting != "你好，张三" {
		t.Errorf("greeting = %q, want 你好，张三", greeting)
	}

	// The browser speaks Chinese, and the desktop viewport is 1366×768.
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.language`))
	if err != nil {
		t.Fatal(err)
	}
	if lang != "zh-CN" {
		t.Errorf("navigator.language = %q, want zh-CN", lang)
	}
	lastAcceptLanguage.Lock()
	al := lastAcceptLanguage.value
	lastAcceptLanguage.Unlock()
	if !strings.HasPrefix(al, "zh-CN") {
		t.Errorf("Accept-Language = %q, want zh-CN first", al)
	}
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[window.innerWidth, window.innerHeight]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(size) != 2 || size[0] != 1366 || size[1] != 768 {
		t.Errorf("viewport = %v, want [1366 768]", size)
	}

	// Submitting posts the form to the server, which answers with a new page.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(chromedp.ID("result")),
	); err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("result")))
	if err != nil {
		t.Fatal(err)
	}
	if result != "已收到：张三" {
		t.Errorf("result = %q, want 已收到：张三", result)
	}
	// Errors lists everything, but the only one here, Chromium's own request for the favicon
	// that this server lacks, does not fail the test.
	for _, m := range browsertest.Errors(ctx) {
		if !strings.HasSuffix(m.URL, "/favicon.ico") {
			t.Errorf("a page that keeps to its CSP reported %s", m)
		}
	}
}

// An inline script on a page whose policy forbids it is reported as a CSP violation; with
// AllowErrors the test passes and Errors returns the violation.
func TestInlineScriptIsACSPViolation(t *testing.T) {
	t.Parallel()
	srv := server(t)
	ctx := browsertest.New(t, browsertest.AllowErrors(`Content Security Policy`))

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/inline")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("text")))
	if err != nil {
		t.Fatal(err)
	}
	if text != "内联脚本被 CSP 拦截" {
		t.Errorf("text = %q: the inline script ran despite the CSP", text)
	}
	var errs []browsertest.Message
	for _, m := range browsertest.Errors(ctx) {
		if !strings.HasSuffix(m.URL, "/favicon.ico") { // Chromium's own request: see TestFormUnderCSP
			errs = append(errs, m)
		}
	}
	if len(errs) != 1 || !isCSPViolation(errs[0]) {
		t.Fatalf("Errors = %q, want one CSP violation for the inline script", errs)
	}
}

func isCSPViolation(m browsertest.Message) bool {
	return strings.HasPrefix(m.Kind, "log.") && strings.Contains(m.Text, "Content Security Policy") &&
		strings.Contains(m.Text, "inline script")
}

// recorder stands in for the testing.TB of a test that is meant to fail: it keeps the failures
// and the cleanups, so that TestBrokenPageFailsTheTest can run them and look at the result.
type recorder struct {
	testing.TB
	name string

	mu       sync.Mutex
	failures []string
	cleanups []func()
	logs     []string
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Helper()      {}
func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.TB.Fatalf("the harness failed the test early: "+format, args...)
}

func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.failures) > 0
}

// runCleanups runs the cleanups as testing does, last registered first.
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// A page that breaks under the CSP, throws, or logs an error fails its test, with each error
// listed, and the failed test leaves a screenshot in var/test-screenshots.
func TestBrokenPageFailsTheTest(t *testing.T) {
	t.Parallel()
	srv := server(t)
	r := &recorder{TB: t, name: t.Name() + "/页面出错 (expected failure)"}
	shot, err := browsertest.ScreenshotPath(r.name)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("var", "test-screenshots", "TestBrokenPageFailsTheTest_expected_failure.png"); !strings.HasSuffix(shot, want) {
		t.Errorf("screenshot path %s, want one ending in %s", shot, want)
	}
	os.Remove(shot)
	t.Cleanup(func() { os.Remove(shot) })

	ctx := browsertest.New(r)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/broken"),
		chromedp.WaitVisible(chromedp.ID("text")),
	); err != nil {
		t.Fatal(err)
	}
	r.runCleanups()

	if len(r.failures) != 1 {
		t.Fatalf("the harness reported %d failures, want 1: %q", len(r.failures), r.failures)
	}
	report := r.failures[0]
	for _, want := range []string{
		"3 error(s)",
		"Content Security Policy", // the inline script
		"exception: Uncaught Error: boom from broken.js",  // the throw
		"console.error: 坏了: console.error from broken.js", // the console.error
		srv.URL + "/broken.js",                            // where
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the failure report lacks %q:\n%s", want, report)
		}
	}
	if logs := strings.Join(r.logs, "\n"); !strings.Contains(logs, shot) {
		t.Errorf("the log does not name the screenshot %s:\n%s", shot, logs)
	}
	checkPNG(t, shot, 1366)
}

// Screenshot writes a full-page PNG, with the Chinese text rendered (look at it: a machine
// without a CJK font shows boxes; scripts/chromium.sh installs one).
func TestScreenshot(t *testing.T) {
	t.Parallel()
	srv := server(t)
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "李四"),
	); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sub", "page.png")
	if err := browsertest.Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 1366)
}

// Phone emulates a 390×844 phone with touch.
func TestPhone(t *testing.T) {
	t.Parallel()
	srv := server(t)
	ctx := browsertest.New(t, browsertest.Phone())
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("name")),
	); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`[window.innerWidth, window.innerHeight, window.devicePixelRatio, navigator.maxTouchPoints > 0 ? 1 : 0]`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{390, 844, 3, 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("[innerWidth innerHeight devicePixelRatio touch] = %v, want %v", got, want)
	}
	path := filepath.Join(t.TempDir(), "phone.png")
	if err := browsertest.Screenshot(ctx, path); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, path, 390*3)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t, browsertest.Timeout(time.Second))
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > time.Second {
		t.Fatalf("deadline in %v (set: %v), want at most 1s", time.Until(deadline), ok)
	}
	<-ctx.Done()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err == nil {
		t.Error("an action after the deadline succeeded")
	}
	// The tab itself outlives the deadline, so the harness can still check it at the end.
	if _, err := chromedp.Run(context.WithoutCancel(ctx), chromedp.Title()); err != nil {
		t.Errorf("the tab did not outlive the test's deadline: %v", err)
	}
}

// checkPNG checks that path is a PNG of the given width and of some substance (a page, not a
// blank rectangle).
func checkPNG(t *testing.T, path string, width int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() < 100 {
		t.Errorf("%s is %dx%d, want %d wide", path, b.Dx(), b.Dy(), width)
	}
	if len(data) < 5000 {
		t.Errorf("%s has %d bytes: too small to show the page", path, len(data))
	}
}
