// Package browsertest drives a real headless Chromium from tests, through chromedp, for the
// server-rendered staff console (html/template + htmx under a strict Content-Security-Policy).
// It is test support: only _test.go files import it.
//
// A test asks for a tab and drives it with chromedp:
//
//	func TestLogin(t *testing.T) {
//		t.Parallel()
//		ctx := browsertest.New(t)
//		if err := chromedp.Do(ctx,
//			chromedp.Navigate(srv.URL+"/console/login"),
//			chromedp.SendKeys(chromedp.ID("username"), "admin"),
//			chromedp.Click(chromedp.CSS(`button[type=submit]`)),
//			chromedp.WaitVisible(chromedp.ID("dashboard")),
//		); err != nil {
//			t.Fatal(err)
//		}
//		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("greeting")))
//		...
//	}
//
// What New gives each test:
//
//   - A tab of its own in a fresh incognito-like browser context (no cookies, storage or cache
//     shared with other tests), 1366×768, or a phone (390×844, touch, mobile) with [Phone].
//     The browser runs with --lang=zh-CN (navigator.language and Accept-Language are zh-CN).
//   - A deadline: the context ends after 3 minutes (a loaded CI machine is slow) ([Timeout] changes it), so a hanging wait fails
//     the test instead of the package's go test -timeout.
//   - A watch on the page: uncaught exceptions and unhandled rejections, console.error and
//     console.assert calls, and error entries of the browser log (Content-Security-Policy
//     violations, failed resource loads) fail the test when it ends, each one listed.
//     [AllowErrors] lets expected ones through; [Errors] returns what was seen so far. The 404
//     of the /favicon.ico that Chromium requests by itself is ignored.
//   - On failure, a full-page PNG of the tab in var/test-screenshots/<test name>.png under the
//     repository root, its path in the test log, and the page's last console messages.
//
// All tests of a test binary share one Chromium process (started by the first New, stopped by
// the cleanup of the last test that uses it, restarted when it died), so parallel tests cost a
// tab and a renderer each, not a browser.
//
// The binary is $HX_CHROMIUM (scripts/test.sh exports what scripts/chromium.sh prints). Without
// it, a run with CI=true fails the test; elsewhere New looks for chromium, chromium-browser or
// google-chrome on PATH, and skips the test when there is none, naming scripts/chromium.sh.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
)

// EnvChromium names the environment variable with the Chromium binary.
const EnvChromium = "HX_CHROMIUM"

// DefaultTimeout is how long a test's context lives unless [Timeout] says otherwise.
const DefaultTimeout = 3 * time.Minute

// Desktop viewport, and the timeouts of the harness's own work.
const (
	desktopWidth   = 1366
	desktopHeight  = 768
	startTimeout   = 60 * time.Second // starting Chromium on a busy 2-core machine
	tabTimeout     = 30 * time.Second // opening a tab
	cleanupTimeout = 20 * time.Second // the screenshot at the end of a failed test
	flushTimeout   = 5 * time.Second  // waiting for the page's last console messages
	keepMessages   = 200              // console messages kept for the log of a failed test
)

// Option changes what [New] sets up.
type Option func(*config)

type config struct {
	timeout time.Duration
	phone   bool
	allow   []*regexp.Regexp
}

// Timeout sets how long the context that [New] returns lives (default [DefaultTimeout]).
func Timeout(d time.Duration) Option {
	return func(c *config) { c.timeout = d }
}

// Phone emulates a phone instead of the 1366×768 desktop: 390×844 CSS pixels at device pixel
// ratio 3, touch, a mobile viewport and an iPhone user agent (chromedp's device.IPhone13), for
// pages that are opened on a phone, like the voucher verification page.
func Phone() Option {
	return func(c *config) { c.phone = true }
}

// AllowErrors lets page errors through that match one of the regular expressions; they are
// matched against [Message.String] (kind, text and URL). Use it for an error the test provokes
// on purpose, never to silence a page that is broken under the CSP.
func AllowErrors(patterns ...string) Option {
	return func(c *config) {
		for _, p := range patterns {
			c.allow = append(c.allow, regexp.MustCompile(p))
		}
	}
}

// Message is an error the page reported: an uncaught exception, a console.error call, or an
// error entry of the browser log (which is where Content-Security-Policy violations and failed
// resource loads show up).
type Message struct {
	// Kind is "exception", "console.error" (or "console.assert"), or "log.<source>" for the
	// browser log, e.g. "log.security" for a CSP violation, "log.network" for a failed load.
	Kind string
	Text string
	URL  string // where it happened, when the browser says
	Line int64  // 1-based; 0 when unknown
}

// String returns the kind, the text and the place: "log.security: Refused to execute … (http://…:12)".
func (m Message) String() string {
	s := m.Kind + ": " + m.Text
	if m.URL != "" {
		s += " (" + m.URL
		if m.Line > 0 {
			s += ":" + strconv.FormatInt(m.Line, 10)
		}
		s += ")"
	}
	return s
}

// New starts (or reuses) the shared Chromium, opens a tab for t and returns its context, to be
// used with chromedp.Run and chromedp.Do. The tab is closed, and the page's errors checked, when
// t ends (t.Cleanup). It skips or fails t when there is no Chromium (see the package doc).
func New(t testing.TB, opts ...Option) context.Context {
	t.Helper()
	cfg := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	bin := chromiumPath(t)

	browserCtx, err := pool.acquire(bin)
	if err != nil {
		t.Fatalf("browsertest: starting %s: %v", bin, err)
	}
	t.Cleanup(pool.release)

	tabCtx, closeTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(closeTab)

	// The first Run on the tab's context creates the tab, whose event loop then lives as long as
	// that context: so it runs on tabCtx itself, not on one with a deadline, and a timer closes
	// the tab if the browser does not answer.
	stuck := time.AfterFunc(tabTimeout, closeTab)
	setup := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(desktopWidth, desktopHeight)}
	if cfg.phone {
		setup = []chromedp.Action[chromedp.Void]{chromedp.Emulate(device.IPhone13)}
	}
	err = chromedp.Do(tabCtx, setup...)
	if !stuck.Stop() && err == nil {
		err = context.DeadlineExceeded
	}
	if err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}

	tb := &tab{name: t.Name(), allow: cfg.allow, marks: map[string]chan struct{}{}, tabCtx: tabCtx}
	tb.watch(tabCtx)

	ctx := context.WithValue(tabCtx, tabKey{}, tb)
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	t.Cleanup(cancel)
	// Registered last, so it runs first, while the tab is still open.
	t.Cleanup(func() { tb.finish(t) })
	return ctx
}

// Errors returns the errors the page in ctx's tab reported so far (allowed ones included), after
// waiting briefly for messages still on their way. ctx is a context from [New].
func Errors(ctx context.Context) []Message {
	tb, ok := ctx.Value(tabKey{}).(*tab)
	if !ok {
		return nil
	}
	tb.flush()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]Message(nil), tb.errors...)
}

// Screenshot writes a full-page PNG of the tab of ctx (a context from [New], or any chromedp
// context) to path, creating its directory.
func Screenshot(ctx context.Context, path string) error {
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// ScreenshotPath is where a failed test's screenshot goes:
// <repository root>/var/test-screenshots/<name>.png, the name made safe for a file name.
func ScreenshotPath(testName string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "var", "test-screenshots", sanitize(testName)+".png"), nil
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func sanitize(name string) string {
	s := strings.Trim(unsafeChars.ReplaceAllString(name, "_"), "._")
	if s == "" {
		s = "test"
	}
	return s
}

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

// repoRoot walks up from the working directory (a test's package directory) to go.mod.
func repoRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("browsertest: no go.mod above the working directory")
				return
			}
			dir = parent
		}
	})
	return rootDir, rootErr
}

func isCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// chromiumPath returns the browser binary, or ends t: Fatal in CI without HX_CHROMIUM or with a
// wrong one, Skip elsewhere when there is no browser at all.
func chromiumPath(t testing.TB) string {
	t.Helper()
	const hint = "run scripts/chromium.sh (installs Chromium and a Chinese font when missing) and export " +
		EnvChromium + `="$(scripts/chromium.sh)", or use make test`
	if p := os.Getenv(EnvChromium); p != "" {
		bin, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("browsertest: %s=%s: %v", EnvChromium, p, err)
		}
		return bin
	}
	if isCI() {
		t.Fatalf("browsertest: %s is not set and CI=true, so the browser tests would not run: %s", EnvChromium, hint)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if bin, err := exec.LookPath(name); err == nil {
			return bin
		}
	}
	t.Skipf("browsertest: no Chromium (%s unset, none on PATH): %s", EnvChromium, hint)
	return ""
}

// allocatorOptions are Chromium's flags: chromedp's defaults (headless, no first run, no
// default-browser check, no extensions, /tmp instead of /dev/shm …) plus ours.
func allocatorOptions(bin string) []chromedp.ExecAllocatorOption {
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(bin),
		chromedp.WindowSize(desktopWidth, desktopHeight),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.NoFirstRun,
		chromedp.DisableGPU,
		chromedp.Env("LANGUAGE=zh_CN:zh", "TZ=Asia/Shanghai"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox (CI and containers run as root).
		opts = append(opts, chromedp.NoSandbox)
	}
	return opts
}

// shared is the one Chromium of the test binary, counted by the tests that use it.
type shared struct {
	mu            sync.Mutex
	users         int
	browserCtx    context.Context
	stopBrowser   context.CancelFunc
	stopAllocator context.CancelFunc
}

var pool shared

func (p *shared) acquire(bin string) (context.Context, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.browserCtx != nil && p.browserCtx.Err() != nil {
		// It died (a crash, the OOM killer): start another. The tabs of the tests still running
		// on the old one are dead already; their tests fail on their own.
		p.stopLocked()
	}
	if p.browserCtx == nil {
		if err := p.startLocked(bin); err != nil {
			return nil, err
		}
	}
	p.users++
	return p.browserCtx, nil
}

func (p *shared) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users--
	if p.users == 0 {
		p.stopLocked()
	}
}

func (p *shared) startLocked(bin string) error {
	allocCtx, stopAllocator := chromedp.NewExecAllocator(context.Background(), allocatorOptions(bin)...)
	browserCtx, stopBrowser := chromedp.NewContext(allocCtx)
	// The first Run starts the browser; a deadline on its context would stop the browser when it
	// passes, so a timer stops a start that hangs instead.
	stuck := time.AfterFunc(startTimeout, stopAllocator)
	err := chromedp.Do(browserCtx)
	if !stuck.Stop() && err == nil {
		err = context.DeadlineExceeded
	}
	if err != nil {
		stopBrowser()
		stopAllocator()
		return err
	}
	p.browserCtx, p.stopBrowser, p.stopAllocator = browserCtx, stopBrowser, stopAllocator
	return nil
}

// stopLocked ends the browser process and waits until it has exited and its profile directory
// is removed.
func (p *shared) stopLocked() {
	if p.stopAllocator != nil {
		p.stopBrowser()
		p.stopAllocator()
	}
	p.browserCtx, p.stopBrowser, p.stopAllocator = nil, nil, nil
}

type tabKey struct{}

// tab collects what the page of one test's tab writes to the console.
type tab struct {
	name   string
	allow  []*regexp.Regexp
	tabCtx context.Context

	mu       sync.Mutex
	errors   []Message
	messages []string // the last keepMessages console messages of any level, for a failure's log
	marks    map[string]chan struct{}
	nextMark int
}

const markPrefix = "browsertest:flush:"

// watch reads the tab's console (runtime exceptions and console API calls, and the browser log)
// until the tab closes.
func (tb *tab) watch(tabCtx context.Context) {
	messages := chromedp.Console(tabCtx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.add(m)
		}
	}()
}

func (tb *tab) add(m chromedp.ConsoleMessage) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if m.Type == chromedp.ConsoleDebug && strings.HasPrefix(m.Text, markPrefix) {
		if ch, ok := tb.marks[m.Text]; ok {
			close(ch)
			delete(tb.marks, m.Text)
		}
		return
	}
	msg := Message{Text: m.Text, URL: m.URL}
	if m.URL != "" && m.Source != "network" { // a failed load's "line" is always 0: none
		msg.Line = m.Line + 1
	}
	switch {
	case m.IsException():
		msg.Kind = "exception"
	case m.Source != "" && m.Type == chromedp.ConsoleError:
		msg.Kind = "log." + m.Source
	case m.Source == "" && (m.Type == chromedp.ConsoleError || m.Type == "assert"):
		msg.Kind = "console." + string(m.Type)
	}
	if msg.Kind != "" {
		tb.errors = append(tb.errors, msg)
	}
	line := msg.String()
	if msg.Kind == "" {
		kind := "console." + string(m.Type)
		if m.Source != "" {
			kind = "log." + m.Source + "." + string(m.Type)
		}
		line = Message{Kind: kind, Text: m.Text, URL: msg.URL, Line: msg.Line}.String()
	}
	if len(tb.messages) == keepMessages {
		tb.messages = tb.messages[1:]
	}
	tb.messages = append(tb.messages, line)
}

// flush waits until the messages the page wrote before now have been read: it has the page log a
// marker and waits for it (a few seconds at most; a page stuck in a dialog never answers).
func (tb *tab) flush() {
	if tb.tabCtx.Err() != nil {
		return
	}
	tb.mu.Lock()
	tb.nextMark++
	mark := markPrefix + strconv.Itoa(tb.nextMark)
	seen := make(chan struct{})
	tb.marks[mark] = seen
	tb.mu.Unlock()

	ctx, cancel := context.WithTimeout(tb.tabCtx, flushTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.debug(`+strconv.Quote(mark)+`)`)); err == nil {
		select {
		case <-seen:
		case <-ctx.Done():
		}
	}
	tb.mu.Lock()
	delete(tb.marks, mark)
	tb.mu.Unlock()
}

// finish runs at the end of the test, before the tab closes: it fails the test for the page's
// errors, and saves a screenshot when the test failed, for whatever reason.
func (tb *tab) finish(t testing.TB) {
	tb.flush()
	tb.mu.Lock()
	var failing []string
	for _, m := range tb.errors {
		if !tb.allowed(m) {
			failing = append(failing, "\t"+m.String())
		}
	}
	recent := append([]string(nil), tb.messages...)
	tb.mu.Unlock()
	if len(failing) > 0 {
		t.Errorf("browsertest: the page reported %d error(s) (exceptions, console errors, CSP violations, failed loads):\n%s",
			len(failing), strings.Join(failing, "\n"))
	}
	if !t.Failed() {
		return
	}
	if len(recent) > 0 {
		t.Logf("browsertest: the page's last console messages:\n\t%s", strings.Join(recent, "\n\t"))
	}
	path, err := ScreenshotPath(tb.name)
	if err == nil {
		ctx, cancel := context.WithTimeout(tb.tabCtx, cleanupTimeout)
		err = Screenshot(ctx, path)
		cancel()
	}
	if err != nil {
		t.Logf("browsertest: no screenshot of the failed test: %v", err)
		return
	}
	t.Logf("browsertest: screenshot of the failed test: %s", path)
}

// browserFavicon is the error of the /favicon.ico that Chromium asks for by itself when a page
// names no icon; it is not the page's doing, so it never fails a test.
var browserFavicon = regexp.MustCompile(`^log\.network: Failed to load resource: .* 404 .*\(https?://[^/]+/favicon\.ico(:\d+)?\)$`)

func (tb *tab) allowed(m Message) bool {
	s := m.String()
	if browserFavicon.MatchString(s) {
		return true
	}
	for _, re := range tb.allow {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}
