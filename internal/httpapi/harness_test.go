package httpapi_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/app"
	"huixiang/internal/config"
	"huixiang/internal/privacy"
	"huixiang/internal/staff"
	"huixiang/internal/testenv"
	"huixiang/internal/wxfake"
)

const (
	testSecret  = "test-secret-0123456789abcdef"
	adminPasswd = "Console-Key-2468"
)

// The SDK's HTTP client is process-wide (see internal/wechat): every server of the test binary
// reaches the one address below. There a router hands each request to the stand-in of the test
// that made it, found by the app ID (login, tokens) or by the access token that stand-in issued,
// so that tests run in parallel, each with a stand-in of its own.
var (
	routerOnce sync.Once
	router     = &fakeRouter{byApp: map[string]*wxfake.Server{}, byToken: map[string]*wxfake.Server{}}
	fakeURL    string
	appSeq     atomic.Int64
)

type fakeRouter struct {
	mu      sync.Mutex
	byApp   map[string]*wxfake.Server
	byToken map[string]*wxfake.Server
}

func (fr *fakeRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	appid := r.URL.Query().Get("appid")
	if appid == "" && r.URL.Path == wxfake.PathStableToken {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			AppID string `json:"appid"`
		}
		_ = json.Unmarshal(body, &req)
		appid = req.AppID
	}
	fr.mu.Lock()
	fake := fr.byApp[appid]
	if fake == nil {
		fake = fr.byToken[r.URL.Query().Get("access_token")]
	}
	fr.mu.Unlock()
	if fake == nil {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"errcode":40013,"errmsg":"invalid appid (no test stand-in)"}`)
		return
	}
	if r.URL.Path != wxfake.PathStableToken && r.URL.Path != wxfake.PathToken {
		fake.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, r)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &tok) == nil && tok.AccessToken != "" {
		fr.mu.Lock()
		fr.byToken[tok.AccessToken] = fake
		fr.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// wechatFake starts a stand-in for this test under an app ID of its own and returns it with
// that app ID.
func wechatFake(t *testing.T) (*wxfake.Server, string) {
	routerOnce.Do(func() {
		fakeURL = httptest.NewServer(router).URL // lives as long as the test binary
	})
	appID := fmt.Sprintf("wxtest%010d", appSeq.Add(1))
	// Each stand-in also plays an official account, reached under oaAppID(appID).
	fake := wxfake.New(wxfake.Options{AppID: appID, Secret: testSecret, OAAppID: oaAppID(appID), OASecret: testSecret})
	t.Cleanup(fake.Reset) // ends a "hang" outage the test left on
	router.mu.Lock()
	router.byApp[appID] = fake
	router.byApp[oaAppID(appID)] = fake
	router.mu.Unlock()
	t.Cleanup(func() {
		router.mu.Lock()
		defer router.mu.Unlock()
		delete(router.byApp, appID)
		delete(router.byApp, oaAppID(appID))
		for tok, f := range router.byToken {
			if f == fake {
				delete(router.byToken, tok)
			}
		}
	})
	return fake, appID
}

// oaAppID is the official account's app ID of the stand-in of the mini program appID.
func oaAppID(appID string) string { return "wxoa" + strings.TrimPrefix(appID, "wxtest") }

// env is a running server on real MariaDB, Redis and the WeChat stand-in through the real SDK.
type env struct {
	t   *testing.T
	srv *httptest.Server
	wx  *wxfake.Server
	app *app.App
	db  *sqlx.DB
	cfg config.Config
	// clock measures the sessions' absolute lifetimes; advance moves it.
	clock *testClock
}

type option func(*config.Config)

func newEnv(t *testing.T, opts ...option) *env {
	t.Helper()
	wx, appID := wechatFake(t)
	_, prefix := testenv.Redis(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	vars := map[string]string{
		"HX_MYSQL_DSN":                testenv.MySQLDSN(t),
		"HX_REDIS_ADDR":               testenv.RedisAddr(),
		"HX_REDIS_KEY_PREFIX":         prefix,
		"HX_WECHAT_APPID":             appID,
		"HX_WECHAT_SECRET":            testSecret,
		"HX_WECHAT_API_BASE":          fakeURL,
		"HX_WECHAT_TIMEOUT":           "1s",
		"HX_PII_KEY":                  base64.StdEncoding.EncodeToString(key),
		"HX_ADMIN_BOOTSTRAP_PASSWORD": adminPasswd,
		"HX_LOG_LEVEL":                "error",
		"HX_UPLOAD_DIR":               t.TempDir(),
		// Every request of a test comes from 127.0.0.1: the rate limits are raised out of the
		// way here, and the tests of the limits set their own. Hashing waits long enough for a
		// busy test machine; the 503 has its own test.
		"HX_STAFF_LOGIN_PER_IP":         "100000",
		"HX_STAFF_LOGIN_PER_USERNAME":   "100000",
		"HX_STAFF_HASH_WAIT":            "10s",
		"HX_LIMITS_WECHAT_LOGIN_PER_IP": "100000",
		"HX_LIMITS_WECHAT_PER_IP":       "100000",
		"HX_LIMITS_WECHAT_PER_USER":     "100000",
	}
	cfg, err := config.Load("", func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(&cfg)
	}
	logOut := io.Discard
	if os.Getenv("HX_TEST_LOG") != "" { // HX_TEST_LOG=1 go test ... shows the server's log
		logOut = os.Stderr
	}
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(logOut, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Staff.SetHashCost(staff.MinHashCost()) // staff hashes in a thousandth of the time (see staff.HashCost)
	if err := a.PrepareSchema(t.Context(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := a.Bootstrap(t.Context()); err != nil {
		t.Fatal(err)
	}
	clock := &testClock{}
	a.Sessions.SetClock(clock.Now) // before the server's goroutines start
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, wx: wx, app: a, db: a.DB, cfg: cfg, clock: clock}
}

// testClock is the real time plus however far the test has advanced it.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the clock's current time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// errCode returns the error envelope's code, failing the test when the body is not one.
func (r response) errCode(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	r.json(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not an error envelope: %s", r.Body)
	}
	return e.Error.Code
}

func (e *env) do(method, path, token string, body any) response {
	e.t.Helper()
	return e.doHeaders(method, path, token, nil, body)
}

// doHeaders is do with extra request headers.
func (e *env) doHeaders(method, path, token string, headers map[string]string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// expect fails unless the answer has the status (and, for errors, the code).
func expect(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if code != "" {
		if got := r.errCode(t); got != code {
			t.Fatalf("code = %s, want %s", got, code)
		}
	}
}

type loginAnswer struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	User      struct {
		ID    int64    `json:"id"`
		Phone *string  `json:"phone"`
		Roles []string `json:"roles"`
	} `json:"user"`
}

// signIn signs a new WeChat user in, has them accept the current privacy policy (as the mini
// program asks before any form) and returns the sign-in's answer.
func (e *env) signIn(openid string) loginAnswer {
	e.t.Helper()
	a := e.signInOnly(openid)
	e.acceptPrivacy(a.Token)
	return a
}

// signInOnly signs a new WeChat user in without accepting the privacy policy.
func (e *env) signInOnly(openid string) loginAnswer {
	e.t.Helper()
	r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode(openid, "")})
	expect(e.t, r, 200, "")
	var a loginAnswer
	r.json(e.t, &a)
	return a
}

// acceptPrivacy accepts the current privacy policy for the user of token.
func (e *env) acceptPrivacy(token string) {
	e.t.Helper()
	expect(e.t, e.do("POST", "/api/v1/me/privacy-consent", token, map[string]string{"version": privacy.CurrentVersion}), 204, "")
}

func (e *env) staffLogin(username, password string) response {
	e.t.Helper()
	return e.do("POST", "/admin/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
}

func (e *env) staffToken(username, password string) string {
	e.t.Helper()
	r := e.staffLogin(username, password)
	expect(e.t, r, 200, "")
	var a struct{ Token string }
	r.json(e.t, &a)
	return a.Token
}

// advance moves this server d into the future, as if d had passed: its session clock (absolute
// lifetimes) moves on by d, and every Redis key under its prefix that has a lifetime loses d of
// it, and is gone when no more is left (idle session lifetimes, sign-in locks). Lifetime tests
// advance instead of sleeping.
func (e *env) advance(d time.Duration) {
	e.t.Helper()
	e.clock.add(d)
	ctx := e.t.Context()
	iter := e.app.Redis.Scan(ctx, 0, e.cfg.Redis.KeyPrefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		left, err := e.app.Redis.PTTL(ctx, key).Result()
		switch {
		case err != nil:
			e.t.Fatal(err)
		case left <= 0: // no lifetime (or gone meanwhile)
		case left <= d:
			e.app.Redis.Del(ctx, key)
		default:
			e.app.Redis.PExpire(ctx, key, left-d)
		}
	}
	if err := iter.Err(); err != nil {
		e.t.Fatal(err)
	}
}
