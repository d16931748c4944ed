package console_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/app"
	"huixiang/internal/config"
	"huixiang/internal/demo"
	"huixiang/internal/staff"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

// The console never calls WeChat itself, but the app it is part of needs a WeChat address: one
// stand-in serves the whole test binary (the SDK's HTTP client is process-wide).
var (
	wxOnce sync.Once
	wxURL  string
)

const (
	testSecret = "test-secret-0123456789abcdef"
	// demoPassword is the bootstrap administrator's password, which the demo staff share.
	demoPassword = "Console-Key-2468"
)

// Roles the page × role table is written for: each a demo account (internal/demo).
type role string

const (
	anon      role = "none"
	townA     role = "township_a" // demo_guanbuqiao, 官埠桥镇 990101
	townB     role = "township_b" // demo_heshengqiao, 贺胜桥镇 990102
	dept      role = "department" // demo_hrss, 区人社局
	districtR role = "district_admin"
)

var allRoles = []role{anon, townA, townB, dept, districtR}

var usernames = map[role]string{townA: "demo_guanbuqiao", townB: "demo_heshengqiao", dept: "demo_hrss", districtR: "admin"}

// env is a running server (API and console) on real MariaDB and Redis with the demo data.
type env struct {
	t   testing.TB
	srv *httptest.Server
	app *app.App
}

type option func(vars map[string]string)

// newEnv is a server on a copy of the demo data (see demoData).
func newEnv(t testing.TB, opts ...option) *env {
	t.Helper()
	seed := demoData(t)
	vars := baseVars(t, seed.piiKey)
	vars["HX_MYSQL_DSN"] = testenv.MySQLDSNOf(t, &seed.db)
	for name, b := range seed.files {
		p := filepath.Join(vars["HX_UPLOAD_DIR"], filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range opts {
		o(vars)
	}
	a := newApp(t, vars)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, app: a}
}

// seeded is the demo data (internal/demo) as a seed leaves it: the database as a dump, the
// uploaded files by their path under the upload directory, and the PII key that encrypts both.
type seeded struct {
	db     testenv.Schema
	files  map[string][]byte
	piiKey string
}

// The demo data is seeded once per test binary and copied into each test's database and upload
// directory: a seed takes seconds of CPU under the race detector, a copy a fraction of that.
var (
	seedOnce sync.Once
	seedVal  *seeded
	seedErr  error
)

// demoData seeds the demo data the first time it is called (in the first test's database,
// dropped with that test: only the dump is kept).
func demoData(t testing.TB) *seeded {
	t.Helper()
	seedOnce.Do(func() { seedVal, seedErr = seedDemo(t) })
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	if seedVal == nil {
		t.Fatal("the demo data's seed failed in another test")
	}
	return seedVal
}

func seedDemo(t testing.TB) (*seeded, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	out := &seeded{piiKey: base64.StdEncoding.EncodeToString(key), files: map[string][]byte{}}
	vars := baseVars(t, out.piiKey)
	vars["HX_MYSQL_DSN"] = testenv.MySQLDSN(t)
	a := newApp(t, vars)
	if err := demo.Seed(t.Context(), a, io.Discard); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	var err error
	if out.db, err = testenv.Dump(t.Context(), a.DB); err != nil {
		return nil, err
	}
	dir := vars["HX_UPLOAD_DIR"]
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		out.files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("seed: read uploads: %w", err)
	}
	return out, nil
}

// baseVars is the environment of a test server; HX_MYSQL_DSN is left to the caller.
func baseVars(t testing.TB, piiKey string) map[string]string {
	wxOnce.Do(func() {
		fake := wxfake.New(wxfake.Options{AppID: "wxconsoletest0001", Secret: testSecret, ConsentAuto: true})
		wxURL = httptest.NewServer(fake).URL // lives as long as the test binary
	})
	_, prefix := testenv.Redis(t)
	return map[string]string{
		"HX_REDIS_ADDR":                 testenv.RedisAddr(),
		"HX_REDIS_KEY_PREFIX":           prefix,
		"HX_WECHAT_APPID":               "wxconsoletest0001",
		"HX_WECHAT_SECRET":              testSecret,
		"HX_WECHAT_API_BASE":            wxURL,
		"HX_WECHAT_TIMEOUT":             "1s",
		"HX_PII_KEY":                    piiKey,
		"HX_ADMIN_BOOTSTRAP_PASSWORD":   demoPassword,
		"HX_LOG_LEVEL":                  "error",
		"HX_UPLOAD_DIR":                 t.TempDir(),
		"HX_STAFF_LOGIN_PER_IP":         "100000",
		"HX_STAFF_LOGIN_PER_USERNAME":   "100000",
		"HX_STAFF_HASH_WAIT":            "10s",
		"HX_LIMITS_WECHAT_LOGIN_PER_IP": "100000",
		// Six tests at once, each with its own server: small pools keep the package under
		// MariaDB's max_connections (151 by default) next to the other packages' tests.
		"HX_MYSQL_MAX_OPEN_CONNS": "8",
		"HX_MYSQL_MAX_IDLE_CONNS": "4",
	}
}

// newApp builds the app from vars, closed when the test ends.
func newApp(t testing.TB, vars map[string]string) *app.App {
	t.Helper()
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	logOut := io.Discard
	if os.Getenv("HX_TEST_LOG") != "" {
		logOut = os.Stderr
	}
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(logOut, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Staff.SetHashCost(staff.MinHashCost()) // staff hashes in a thousandth of the time (see staff.HashCost)
	return a
}

// client is one browser: a cookie jar, redirects not followed (tests look at them).
type client struct {
	e    *env
	http *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// as is a client signed in as r's demo account (anon: not signed in).
func (e *env) as(r role) *client {
	e.t.Helper()
	c := e.client()
	if r == anon {
		return c
	}
	res := c.postForm("/console/login", url.Values{"username": {usernames[r]}, "password": {demoPassword}})
	if res.Status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: %d %s", r, res.Status, res.Body)
	}
	return c
}

// page is a decoded answer.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(req *http.Request) page {
	c.e.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (c *client) get(path string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	return c.do(req)
}

// htmx is a GET as htmx sends it (it wants a fragment).
func (c *client) htmx(path string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.e.srv.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	return c.do(req)
}

// postForm posts a form as a same-origin browser does (Origin and Sec-Fetch-Site).
func (c *client) postForm(path string, form url.Values) page {
	c.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// follow is the page a 303 points to.
func (c *client) follow(p page) page {
	c.e.t.Helper()
	if p.Status != http.StatusSeeOther && p.Status != http.StatusFound {
		c.e.t.Fatalf("want a redirect, got %d: %s", p.Status, p.Body)
	}
	return c.get(p.Header.Get("Location"))
}

func (p page) mustShow(t testing.TB, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page does not show %q:\n%s", s, p.Body)
		}
	}
}

// adminActor is the district administrator acting directly through a service (test setup).
func adminActor() actor.Actor {
	return actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
}

// admin is the demo's administrator as the actor of a change that pages show by name (adminActor
// has an id no account holds: enough where only the role counts).
func (e *env) admin() actor.Actor {
	e.t.Helper()
	var id int64
	if err := e.app.DB.Get(&id, "SELECT id FROM staff WHERE username = 'admin'"); err != nil {
		e.t.Fatal(err)
	}
	return actor.Staff(id, "admin", actor.DistrictAdmin, "", "")
}
