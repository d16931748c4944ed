package wxfake_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"huixiang/internal/wxfake"
)

const (
	appID  = "wxtest0000000001"
	secret = "testsecret"
)

// clock is a settable time source so expiry can be tested without sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	fake  *wxfake.Server
	ts    *httptest.Server
	clock *clock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := newClock()
	fake := wxfake.New(wxfake.Options{AppID: appID, Secret: secret, Now: c.Now})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	return &env{t: t, fake: fake, ts: ts, clock: c}
}

type resp struct {
	status int
	raw    string
	body   map[string]any
}

func (r resp) errcode() int {
	if v, ok := r.body["errcode"].(float64); ok {
		return int(v)
	}
	return 0
}

func (r resp) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// do sends a request; body may be nil, a string sent verbatim, or a value
// sent as JSON.
func (e *env) do(method, path string, q url.Values, body any) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Error(err)
			return resp{status: -1}
		}
		rd = bytes.NewReader(buf)
	}
	u := e.ts.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		e.t.Error(err)
		return resp{status: -1}
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		// Errorf rather than Fatalf: do also runs on non-test goroutines.
		e.t.Errorf("%s %s: %v", method, path, err)
		return resp{status: -1}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

func (e *env) login(code string) resp {
	e.t.Helper()
	return e.do("GET", wxfake.PathJSCode2Session, url.Values{
		"appid": {appID}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"},
	}, nil)
}

func (e *env) token() string {
	e.t.Helper()
	r := e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}, nil)
	if r.errcode() != 0 || r.str("access_token") == "" {
		e.t.Errorf("token: %s", r.raw)
	}
	return r.str("access_token")
}

func (e *env) stable(force bool) resp {
	e.t.Helper()
	return e.do("POST", wxfake.PathStableToken, nil, map[string]any{
		"grant_type": "client_credential", "appid": appID, "secret": secret, "force_refresh": force,
	})
}

func (e *env) withToken(path, tok string, body any) resp {
	e.t.Helper()
	q := url.Values{}
	if tok != "" {
		q.Set("access_token", tok)
	}
	return e.do("POST", path, q, body)
}

func want(t *testing.T, r resp, code int) {
	t.Helper()
	if !expect(t, r, code) {
		t.FailNow()
	}
}

// expect is want for goroutines other than the test's own.
func expect(t *testing.T, r resp, code int) bool {
	t.Helper()
	if r.status != http.StatusOK {
		t.Errorf("HTTP %d, want 200: %s", r.status, r.raw)
		return false
	}
	if got := r.errcode(); got != code {
		t.Errorf("errcode %d, want %d: %s", got, code, r.raw)
		return false
	}
	return true
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	expired := e.fake.IssueLoginCode("o_dave", "")
	e.clock.Advance(5 * time.Minute)
	withUnion := e.fake.IssueLoginCode("o_alice", "u_alice")
	plain := e.fake.IssueLoginCode("o_bob", "")
	used := e.fake.IssueLoginCode("o_carol", "")
	want(t, e.login(used), 0)
	fresh := e.fake.IssueLoginCode("o_erin", "")

	q := func(appid, sec, code, grant string) url.Values {
		v := url.Values{"appid": {appid}, "secret": {sec}, "js_code": {code}}
		if grant != "" {
			v.Set("grant_type", grant)
		}
		return v
	}
	tests := []struct {
		name        string
		q           url.Values
		code        int
		msg         string
		openid      string
		unionid     string
		wantUnionID bool
	}{
		{"with unionid", q(appID, secret, withUnion, "authorization_code"), 0, "", "o_alice", "u_alice", true},
		{"without unionid", q(appID, secret, plain, "authorization_code"), 0, "", "o_bob", "", false},
		{"code reused", q(appID, secret, used, "authorization_code"), 40163, "code been used", "", "", false},
		{"code reused twice", q(appID, secret, withUnion, "authorization_code"), 40163, "code been used", "", "", false},
		{"unknown code", q(appID, secret, "0a1b2c3d4e5f", "authorization_code"), 40029, "invalid code", "", "", false},
		{"expired code", q(appID, secret, expired, "authorization_code"), 40029, "invalid code", "", "", false},
		{"wrong appid", q("wxother", secret, fresh, "authorization_code"), 40013, "invalid appid", "", "", false},
		{"wrong secret", q(appID, "nope", fresh, "authorization_code"), 40125, "invalid appsecret", "", "", false},
		{"missing grant_type", q(appID, secret, fresh, ""), 40002, "invalid grant_type", "", "", false},
		{"missing code", q(appID, secret, "", "authorization_code"), 41008, "missing code", "", "", false},
		{"fresh code still works after failed attempts", q(appID, secret, fresh, "authorization_code"), 0, "", "o_erin", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", wxfake.PathJSCode2Session, tc.q, nil)
			want(t, r, tc.code)
			if tc.code != 0 {
				if r.str("errmsg") != tc.msg {
					t.Fatalf("errmsg %q, want %q", r.str("errmsg"), tc.msg)
				}
				return
			}
			if r.str("openid") != tc.openid {
				t.Fatalf("openid %q, want %q", r.str("openid"), tc.openid)
			}
			if _, has := r.body["unionid"]; has != tc.wantUnionID || r.str("unionid") != tc.unionid {
				t.Fatalf("unionid %q (present %v), want %q", r.str("unionid"), has, tc.unionid)
			}
			key, err := base64.StdEncoding.DecodeString(r.str("session_key"))
			if err != nil || len(key) != 16 {
				t.Fatalf("session_key %q is not base64 of 16 bytes", r.str("session_key"))
			}
			if _, has := r.body["errcode"]; has {
				t.Fatalf("success carries errcode: %s", r.raw)
			}
		})
	}
	if a, b := e.fake.IssueLoginCode("o_x", ""), e.fake.IssueLoginCode("o_x", ""); a == b {
		t.Fatal("codes repeat")
	}
}

func TestLoginCodeParallelSingleUse(t *testing.T) {
	e := newEnv(t)
	code := e.fake.IssueLoginCode("o_race", "")
	const n = 100
	var wins, used atomic.Int32
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r := e.login(code)
			switch r.errcode() {
			case 0:
				wins.Add(1)
			case 40163:
				used.Add(1)
			default:
				t.Errorf("unexpected answer %s", r.raw)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 || used.Load() != n-1 {
		t.Fatalf("%d successes and %d 40163s, want 1 and %d", wins.Load(), used.Load(), n-1)
	}
	if got := e.fake.Calls(wxfake.PathJSCode2Session); got != n {
		t.Fatalf("Calls = %d, want %d", got, n)
	}
}

func TestAccessToken(t *testing.T) {
	phoneCall := func(e *env, tok string) resp {
		return e.withToken(wxfake.PathPhoneNumber, tok, map[string]string{"code": "none"})
	}
	t.Run("credentials", func(t *testing.T) {
		e := newEnv(t)
		for _, tc := range []struct {
			q    url.Values
			code int
		}{
			{url.Values{"grant_type": {"client_credential"}, "appid": {"wxbad"}, "secret": {secret}}, 40013},
			{url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {"bad"}}, 40125},
			{url.Values{"appid": {appID}, "secret": {secret}}, 40002},
		} {
			want(t, e.do("GET", wxfake.PathToken, tc.q, nil), tc.code)
		}
		r := e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}, nil)
		want(t, r, 0)
		if r.body["expires_in"] != float64(7200) {
			t.Fatalf("expires_in = %v", r.body["expires_in"])
		}
	})
	t.Run("missing and unknown", func(t *testing.T) {
		e := newEnv(t)
		want(t, phoneCall(e, ""), 41001)
		r := phoneCall(e, "forged")
		want(t, r, 40001)
		if r.str("errmsg") != "invalid credential, access_token is invalid or not latest" {
			t.Fatalf("errmsg %q", r.str("errmsg"))
		}
	})
	t.Run("expiry", func(t *testing.T) {
		e := newEnv(t)
		tok := e.token()
		want(t, phoneCall(e, tok), 40029) // token accepted, code rejected
		e.clock.Advance(7199 * time.Second)
		want(t, phoneCall(e, tok), 40029)
		e.clock.Advance(time.Second)
		r := phoneCall(e, tok)
		want(t, r, 42001)
		if r.str("errmsg") != "access_token expired" {
			t.Fatalf("errmsg %q", r.str("errmsg"))
		}
	})
	t.Run("new token leaves old one five minutes", func(t *testing.T) {
		e := newEnv(t)
		old := e.token()
		newer := e.token()
		if old == newer {
			t.Fatal("token endpoint returned the same token twice")
		}
		e.clock.Advance(4 * time.Minute)
		want(t, phoneCall(e, old), 40029)
		e.clock.Advance(time.Minute)
		want(t, phoneCall(e, old), 40001)
		want(t, phoneCall(e, newer), 40029)
	})
	t.Run("invalidate", func(t *testing.T) {
		e := newEnv(t)
		plain := e.token()
		st := e.stable(false).str("access_token")
		e.fake.InvalidateTokens()
		want(t, phoneCall(e, plain), 40001)
		want(t, phoneCall(e, st), 40001)
		fresh := e.stable(false).str("access_token")
		if fresh == st || fresh == "" {
			t.Fatalf("stable_token after invalidation returned %q (old %q)", fresh, st)
		}
		want(t, phoneCall(e, fresh), 40029)
	})
}

func TestStableToken(t *testing.T) {
	e := newEnv(t)
	first := e.stable(false)
	want(t, first, 0)
	tok := first.str("access_token")
	if first.body["expires_in"] != float64(7200) {
		t.Fatalf("expires_in = %v", first.body["expires_in"])
	}

	e.clock.Advance(100 * time.Second)
	again := e.stable(false)
	if again.str("access_token") != tok || again.body["expires_in"] != float64(7100) {
		t.Fatalf("unforced call gave %s, want same token with 7100 s left", again.raw)
	}

	plain := e.token()
	if e.stable(false).str("access_token") != tok || plain == tok {
		t.Fatal("plain token minting disturbed the stable token")
	}

	forced := e.stable(true)
	if forced.str("access_token") == tok || forced.body["expires_in"] != float64(7200) {
		t.Fatalf("forced refresh gave %s", forced.raw)
	}
	if e.stable(false).str("access_token") != forced.str("access_token") {
		t.Fatal("unforced call after force did not return the new token")
	}
	check := func(tk string) resp {
		return e.withToken(wxfake.PathPhoneNumber, tk, map[string]string{"code": "x"})
	}
	want(t, check(tok), 40029)
	e.clock.Advance(5 * time.Minute)
	want(t, check(tok), 40001)
	want(t, check(plain), 40029)

	e.clock.Advance(7200 * time.Second)
	renewed := e.stable(false)
	if renewed.str("access_token") == forced.str("access_token") {
		t.Fatal("expired stable token was handed out again")
	}

	for _, tc := range []struct {
		name string
		body any
		code int
	}{
		{"bad appid", map[string]any{"grant_type": "client_credential", "appid": "wxbad", "secret": secret}, 40013},
		{"bad secret", map[string]any{"grant_type": "client_credential", "appid": appID, "secret": "bad"}, 40125},
		{"missing grant_type", map[string]any{"appid": appID, "secret": secret}, 40002},
		{"empty body", "", 44002},
		{"not json", "grant_type=client_credential", 47001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want(t, e.do("POST", wxfake.PathStableToken, nil, tc.body), tc.code)
		})
	}
	t.Run("GET is refused", func(t *testing.T) {
		want(t, e.do("GET", wxfake.PathStableToken, nil, nil), 43002)
	})
}

func TestPhoneNumber(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	code := e.fake.IssuePhoneCode("13912345678")
	intl := e.fake.IssuePhoneCode("+1 4155550100")
	stale := e.fake.IssuePhoneCode("")
	e.clock.Advance(4 * time.Minute)

	r := e.withToken(wxfake.PathPhoneNumber, tok, map[string]string{"code": code})
	want(t, r, 0)
	info, _ := r.body["phone_info"].(map[string]any)
	wm, _ := info["watermark"].(map[string]any)
	if info["phoneNumber"] != "13912345678" || info["purePhoneNumber"] != "13912345678" || info["countryCode"] != "86" ||
		wm["appid"] != appID || wm["timestamp"] != float64(e.clock.Now().Unix()) || r.str("errmsg") != "ok" {
		t.Fatalf("unexpected answer %s", r.raw)
	}

	r = e.withToken(wxfake.PathPhoneNumber, tok, map[string]string{"code": intl})
	want(t, r, 0)
	info, _ = r.body["phone_info"].(map[string]any)
	if info["countryCode"] != "1" || info["purePhoneNumber"] != "4155550100" || info["phoneNumber"] != "+1 4155550100" {
		t.Fatalf("unexpected answer %s", r.raw)
	}

	e.clock.Advance(time.Minute)
	for _, tc := range []struct {
		name string
		body any
		code int
		msg  string
	}{
		{"reused", map[string]string{"code": code}, 40029, "invalid code"},
		{"unknown", map[string]string{"code": "deadbeef"}, 40029, "invalid code"},
		{"expired", map[string]string{"code": stale}, 40029, "invalid code"},
		{"missing", map[string]string{}, 47001, "data format error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.withToken(wxfake.PathPhoneNumber, tok, tc.body)
			want(t, r, tc.code)
			if r.str("errmsg") != tc.msg {
				t.Fatalf("errmsg %q, want %q", r.str("errmsg"), tc.msg)
			}
		})
	}
}

func TestSubscribeValueRules(t *testing.T) {
	tests := []struct {
		key   string
		good  []string
		bad   []string
		label string
	}{
		{key: "thing1",
			good: []string{"申请已受理", "Application received", strings.Repeat("字", 20), "a1!"},
			bad:  []string{"", strings.Repeat("字", 21)}},
		{key: "phrase2",
			good: []string{"已通过", "审核中", "五个字以内"},
			bad:  []string{"", "已通过a", "approved", "六个字的短语", "已 通过"}},
		{key: "name3",
			good: []string{"张三", "阿依·古丽", "十个字的名字十个字的", "John Smith", strings.Repeat("a", 20)},
			bad:  []string{"", "十一个字的名字十一个字", strings.Repeat("a", 21), "张三3", "Agent 007"}},
		{key: "character_string4",
			good: []string{"HX-2025-000123", "abc123", strings.Repeat("x", 32), "A/B#1"},
			bad:  []string{"", strings.Repeat("x", 33), "编号123", "has space"}},
		{key: "number5",
			good: []string{"42", "3.14", strings.Repeat("9", 32)},
			bad:  []string{"", "4a", "1.2.3", strings.Repeat("9", 33), "-", "1,000"}},
		{key: "letter6",
			good: []string{"abc", "XYZ", strings.Repeat("q", 32)},
			bad:  []string{"", "ab1", "a b", strings.Repeat("q", 33)}},
		{key: "symbol7",
			good: []string{"%", "#$%", "!?!?!"},
			bad:  []string{"", "!?!?!?", "a", "1"}},
		{key: "amount8",
			good: []string{"100", "99.5", "1234567.89", "100元", "¥12.30", "12.30元"},
			bad:  []string{"", "1.234", "12345678901", "abc", "元", "12.3.4"}},
		{key: "phone_number9",
			good: []string{"13800138000", "+86-13800138000", "010-12345678"},
			bad:  []string{"", "138 0013 8000", "phone", strings.Repeat("1", 18)}},
		{key: "car_number10",
			good: []string{"粤A12345", "粤B1234学", "AB12345"},
			bad:  []string{"", "粤A123456789", "粤A1学345", "粤A-1234"}},
		{key: "time11",
			good: []string{"15:01", "2019年10月1日 15:01", "2019-10-01 15:01", "2019-10-01 15:01:00", "2019年10月1日", "15:01~16:30"},
			bad:  []string{"", "25:00", "15:60", "15.01", "2019/10/01 15:01", "2019年13月1日", "tomorrow", "2019-10-01T15:01:00"}},
		{key: "date12",
			good: []string{"2019年10月1日", "2019-10-01", "2019-10-01 15:01", "2019年10月1日 15:01", "2024-02-29", "2019-10-01~2019-10-07"},
			bad:  []string{"", "15:01", "2019-02-29", "2019-10-32", "10/01/2019", "2019-10-01 25:00"}},
	}
	for _, tc := range tests {
		for _, v := range tc.good {
			t.Run(tc.key+"/good/"+v, func(t *testing.T) {
				if !wxfake.ValidValue(tc.key, v) {
					t.Fatalf("%s = %q rejected", tc.key, v)
				}
			})
		}
		for _, v := range tc.bad {
			t.Run(tc.key+"/bad/"+v, func(t *testing.T) {
				if wxfake.ValidValue(tc.key, v) {
					t.Fatalf("%s = %q accepted", tc.key, v)
				}
			})
		}
	}

	// The same rules must hold end to end over HTTP, with WeChat's errmsg.
	e := newEnv(t)
	tok := e.token()
	var keys []string
	for _, tc := range tests {
		keys = append(keys, tc.key)
	}
	e.fake.RegisterTemplate("TMPL_ALL", keys...)
	e.fake.GrantConsent("o_all", "TMPL_ALL", 1000)
	for _, tc := range tests {
		t.Run("http/"+tc.key, func(t *testing.T) {
			send := func(v string) resp {
				return e.withToken(wxfake.PathSubscribeSend, tok, map[string]any{
					"touser": "o_all", "template_id": "TMPL_ALL",
					"data": map[string]any{tc.key: map[string]string{"value": v}},
				})
			}
			want(t, send(tc.good[0]), 0)
			r := send(tc.bad[len(tc.bad)-1])
			want(t, r, 47003)
			if msg := "argument invalid! data." + tc.key + ".value invalid"; r.str("errmsg") != msg {
				t.Fatalf("errmsg %q, want %q", r.str("errmsg"), msg)
			}
		})
	}
}

func TestSubscribeSend(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	const tmpl = "TMPL_APPLICATION_PROGRESS"
	e.fake.RegisterTemplate(tmpl, "thing1", "phrase2", "time3", "thing4")
	e.fake.GrantConsent("o_alice", tmpl, 2)
	e.fake.IssueLoginCode("o_noconsent", "")
	data := map[string]any{
		"thing1":  map[string]string{"value": "志愿者申请"},
		"phrase2": map[string]string{"value": "已通过", "color": "#173177"},
		"time3":   map[string]string{"value": "2025-03-01 09:30"},
		"thing4":  map[string]string{"value": "请按时到岗"},
	}
	msg := func(mut func(m map[string]any)) map[string]any {
		m := map[string]any{
			"touser": "o_alice", "template_id": tmpl, "page": "pages/index/index?id=1",
			"data": data, "miniprogram_state": "formal", "lang": "zh_CN",
		}
		if mut != nil {
			mut(m)
		}
		return m
	}
	tests := []struct {
		name string
		body map[string]any
		code int
		msg  string
	}{
		{"unknown template", msg(func(m map[string]any) { m["template_id"] = "nope" }), 40037, "invalid template_id"},
		{"unknown user", msg(func(m map[string]any) { m["touser"] = "o_stranger" }), 40003, "invalid openid"},
		{"bad state", msg(func(m map[string]any) { m["miniprogram_state"] = "prod" }), 47003, ""},
		{"bad lang", msg(func(m map[string]any) { m["lang"] = "fr_FR" }), 47003, ""},
		{"key not in template", msg(func(m map[string]any) {
			m["data"] = map[string]any{"thing1": map[string]string{"value": "x"}, "thing9": map[string]string{"value": "y"}}
		}), 47003, "argument invalid! data.thing9.value invalid"},
		{"empty value", msg(func(m map[string]any) {
			m["data"] = map[string]any{"thing1": map[string]string{"value": ""}}
		}), 47003, "argument invalid! data.thing1.value invalid"},
		{"no data", msg(func(m map[string]any) { delete(m, "data") }), 47003, ""},
		{"no consent", msg(func(m map[string]any) { m["touser"] = "o_noconsent" }), 43101, "user refuse to accept the msg"},
		{"first send", msg(nil), 0, "ok"},
		{"second send", msg(func(m map[string]any) { delete(m, "miniprogram_state"); delete(m, "lang") }), 0, "ok"},
		{"consent spent", msg(nil), 43101, "user refuse to accept the msg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.withToken(wxfake.PathSubscribeSend, tok, tc.body)
			want(t, r, tc.code)
			if tc.msg != "" && r.str("errmsg") != tc.msg {
				t.Fatalf("errmsg %q, want %q", r.str("errmsg"), tc.msg)
			}
		})
	}
	if n := e.fake.Consent("o_alice", tmpl); n != 0 {
		t.Fatalf("consent left = %d, want 0", n)
	}
	sent := e.fake.Sent()
	if len(sent) != 2 {
		t.Fatalf("sent %d messages, want 2", len(sent))
	}
	m := sent[0]
	if m.ToUser != "o_alice" || m.TemplateID != tmpl || m.Page != "pages/index/index?id=1" || m.State != "formal" || m.Lang != "zh_CN" ||
		m.Data["phrase2"] != "已通过" || m.Data["time3"] != "2025-03-01 09:30" || !m.Time.Equal(e.clock.Now()) || m.MsgID == 0 {
		t.Fatalf("recorded %+v", m)
	}
	sent[0].Data["thing1"] = "mutated"
	if e.fake.Sent()[0].Data["thing1"] != "志愿者申请" {
		t.Fatal("Sent exposes internal state")
	}

	t.Run("numeric JSON value", func(t *testing.T) {
		e.fake.RegisterTemplate("TMPL_NUM", "number1")
		e.fake.GrantConsent("o_alice", "TMPL_NUM", 1)
		r := e.withToken(wxfake.PathSubscribeSend, tok, map[string]any{
			"touser": "o_alice", "template_id": "TMPL_NUM", "data": map[string]any{"number1": map[string]any{"value": 12.5}},
		})
		want(t, r, 0)
	})
	t.Run("needs token", func(t *testing.T) {
		want(t, e.withToken(wxfake.PathSubscribeSend, "", msg(nil)), 41001)
	})
}

func TestMsgSecCheck(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	e.fake.SetRiskyWords("forbidden")
	e.fake.SetReviewWords("maybe")
	want(t, e.login(e.fake.IssueLoginCode("o_active", "")), 0)
	e.fake.IssueLoginCode("o_never", "")
	body := func(openid, content string, version int) map[string]any {
		return map[string]any{"openid": openid, "scene": 2, "version": version, "content": content}
	}
	tests := []struct {
		name    string
		body    map[string]any
		code    int
		suggest string
		label   float64
	}{
		{"pass", body("o_active", "今天天气不错", 2), 0, "pass", 100},
		{"review", body("o_active", "Maybe later", 2), 0, "review", 21000},
		{"risky", body("o_active", "this is FORBIDDEN maybe", 2), 0, "risky", 20001},
		{"never logged in", body("o_never", "hello", 2), 61010, "", 0},
		{"unknown openid", body("o_ghost", "hello", 2), 61010, "", 0},
		{"version 1", body("o_active", "hello", 1), 47001, "", 0},
		{"empty content", body("o_active", "", 2), 44004, "", 0},
		{"oversize", body("o_active", strings.Repeat("长", 2501), 2), 47001, "", 0},
		{"bad scene", map[string]any{"openid": "o_active", "scene": 9, "version": 2, "content": "x"}, 47001, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.withToken(wxfake.PathMsgSecCheck, tok, tc.body)
			want(t, r, tc.code)
			if tc.code == 61010 && r.str("errmsg") != "user is not valid" {
				t.Fatalf("errmsg %q", r.str("errmsg"))
			}
			if tc.code != 0 {
				return
			}
			res, _ := r.body["result"].(map[string]any)
			detail, _ := r.body["detail"].([]any)
			if res["suggest"] != tc.suggest || res["label"] != tc.label || len(detail) == 0 || r.str("trace_id") == "" {
				t.Fatalf("unexpected answer %s", r.raw)
			}
			d0, _ := detail[0].(map[string]any)
			if d0["strategy"] != "content_model" || d0["suggest"] != tc.suggest || d0["errcode"] != float64(0) {
				t.Fatalf("unexpected detail %s", r.raw)
			}
		})
	}
	t.Run("activity expires after two hours", func(t *testing.T) {
		e.clock.Advance(2 * time.Hour)
		want(t, e.withToken(wxfake.PathMsgSecCheck, e.token(), body("o_active", "hello", 2)), 61010)
		e.fake.MarkActive("o_active")
		want(t, e.withToken(wxfake.PathMsgSecCheck, e.token(), body("o_active", "hello", 2)), 0)
	})
}

func TestOutages(t *testing.T) {
	tests := []struct {
		mode   string
		status int
		code   int
	}{
		{wxfake.OutageBusy, 200, -1},
		{wxfake.OutageRateLimit, 200, 45011},
		{wxfake.OutageHTTP502, 502, 0},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			e := newEnv(t)
			code := e.fake.IssueLoginCode("o_a", "")
			e.fake.SetOutage(tc.mode)
			for _, r := range []resp{
				e.login(code),
				e.stable(false),
				e.withToken(wxfake.PathMsgSecCheck, "x", map[string]any{}),
			} {
				if r.status != tc.status || r.errcode() != tc.code {
					t.Fatalf("HTTP %d errcode %d, want %d/%d: %s", r.status, r.errcode(), tc.status, tc.code, r.raw)
				}
			}
			if tc.mode == wxfake.OutageHTTP502 && !strings.Contains(e.login(code).raw, "<html>") {
				t.Fatal("502 body is not HTML")
			}
			if tc.mode == wxfake.OutageRateLimit && !strings.Contains(e.login(code).raw, "api minute-quota reach limit mustslower retry next minute") {
				t.Fatal("ratelimit errmsg differs")
			}
			if e.fake.Calls(wxfake.PathJSCode2Session) == 0 {
				t.Fatal("outage answers are not counted")
			}
			// Admin endpoints keep working so a test can lift the outage.
			if r := e.do("GET", "/__fake/healthz", nil, nil); r.status != 200 {
				t.Fatalf("healthz during outage: %d", r.status)
			}
			e.fake.SetOutage(wxfake.OutageNone)
			want(t, e.login(code), 0) // the code was never spent
		})
	}

	t.Run("hang until client gives up", func(t *testing.T) {
		e := newEnv(t)
		e.fake.SetOutage(wxfake.OutageHang)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", e.ts.URL+wxfake.PathToken, nil)
		start := time.Now()
		resp, err := e.ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("hang did not respect the client's deadline")
		}
	})
	t.Run("hang lifted answers normally", func(t *testing.T) {
		e := newEnv(t)
		e.fake.SetOutage(wxfake.OutageHang)
		done := make(chan string, 1)
		go func() {
			res, err := e.ts.Client().Get(e.ts.URL + wxfake.PathToken + "?grant_type=client_credential&appid=" + appID + "&secret=" + secret)
			if err != nil {
				done <- err.Error()
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			done <- string(b)
		}()
		for e.fake.Calls(wxfake.PathToken) == 0 {
			time.Sleep(time.Millisecond)
		}
		select {
		case got := <-done:
			t.Fatalf("answered during hang: %s", got)
		case <-time.After(50 * time.Millisecond):
		}
		e.fake.SetOutage(wxfake.OutageNone)
		if got := <-done; !strings.Contains(got, "access_token") {
			t.Fatalf("after lifting the hang got %s", got)
		}
	})
	t.Run("hang is bounded", func(t *testing.T) {
		e := newEnv(t)
		wxfake.SetMaxHang(e.fake, 50*time.Millisecond)
		e.fake.SetOutage(wxfake.OutageHang)
		if r := e.do("GET", wxfake.PathToken, nil, nil); r.status != http.StatusGatewayTimeout {
			t.Fatalf("HTTP %d, want 504", r.status)
		}
	})
	t.Run("unknown mode panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		wxfake.New(wxfake.Options{}).SetOutage("flaky")
	})
}

func TestFailNextAndReset(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext(wxfake.PathStableToken, 40001, "")
	e.fake.FailNext(wxfake.PathStableToken, -1, "custom busy")
	r := e.stable(false)
	want(t, r, 40001)
	if r.str("errmsg") != "invalid credential, access_token is invalid or not latest" {
		t.Fatalf("default errmsg %q", r.str("errmsg"))
	}
	r = e.stable(false)
	want(t, r, -1)
	if r.str("errmsg") != "custom busy" {
		t.Fatalf("errmsg %q", r.str("errmsg"))
	}
	want(t, e.stable(false), 0)
	want(t, e.login(e.fake.IssueLoginCode("o_a", "")), 0) // other paths untouched
	if got := e.fake.Calls(wxfake.PathStableToken); got != 3 {
		t.Fatalf("Calls = %d, want 3", got)
	}

	tok := e.stable(false).str("access_token")
	e.fake.FailNext(wxfake.PathToken, 45011, "")
	e.fake.SetOutage(wxfake.OutageBusy)
	e.fake.Reset()
	if e.fake.Calls(wxfake.PathStableToken) != 0 || e.fake.Outage() != "" {
		t.Fatal("Reset left counters or outage")
	}
	e.token() // the pending failure is gone
	if e.stable(false).str("access_token") != tok {
		t.Fatal("Reset dropped tokens")
	}
}

func TestRoutingAndMethods(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/cgi-bin/nonexistent", nil, nil)
	if r.status != 404 || r.errcode() != 40066 {
		t.Fatalf("unknown path: HTTP %d %s", r.status, r.raw)
	}
	want(t, e.do("POST", wxfake.PathJSCode2Session, nil, "{}"), 43001)
	want(t, e.do("GET", wxfake.PathSubscribeSend, nil, nil), 43002)
}

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t)
	tok := e.token()

	r := e.do("GET", "/__fake/login-code", url.Values{"openid": {"o_curl"}}, nil)
	if r.status != 200 || r.str("code") == "" || r.str("openid") != "o_curl" {
		t.Fatalf("login-code GET: %s", r.raw)
	}
	want(t, e.login(r.str("code")), 0)

	r = e.do("POST", "/__fake/login-code", nil, map[string]string{"openid": "o_post", "unionid": "u_post"})
	if l := e.login(r.str("code")); l.str("openid") != "o_post" || l.str("unionid") != "u_post" {
		t.Fatalf("login with admin code: %s", l.raw)
	}
	r = e.do("POST", "/__fake/login-code", nil, nil)
	if !strings.HasPrefix(r.str("openid"), "o") || len(r.str("openid")) != 28 {
		t.Fatalf("generated openid %q", r.str("openid"))
	}

	r = e.do("POST", "/__fake/phone-code", nil, map[string]string{"phone": "13700000000"})
	p := e.withToken(wxfake.PathPhoneNumber, tok, map[string]string{"code": r.str("code")})
	want(t, p, 0)
	if !strings.Contains(p.raw, "13700000000") {
		t.Fatalf("phone: %s", p.raw)
	}

	if r = e.do("POST", "/__fake/templates", nil, map[string]any{"id": "T1", "keys": []string{"thing1"}}); r.status != 200 {
		t.Fatalf("templates: %s", r.raw)
	}
	if r = e.do("POST", "/__fake/consent", nil, map[string]any{"openid": "o_curl", "template_id": "T1", "count": 2}); r.body["count"] != float64(2) {
		t.Fatalf("consent: %s", r.raw)
	}
	want(t, e.withToken(wxfake.PathSubscribeSend, tok, map[string]any{
		"touser": "o_curl", "template_id": "T1", "data": map[string]any{"thing1": map[string]string{"value": "hi"}},
	}), 0)
	if r = e.do("GET", "/__fake/consent", url.Values{"openid": {"o_curl"}, "template_id": {"T1"}}, nil); r.body["count"] != float64(1) {
		t.Fatalf("consent after send: %s", r.raw)
	}
	r = e.do("GET", "/__fake/messages", nil, nil)
	var msgs []wxfake.SentMessage
	if err := json.Unmarshal([]byte(r.raw), &msgs); err != nil || len(msgs) != 1 || msgs[0].Data["thing1"] != "hi" {
		t.Fatalf("messages: %s (%v)", r.raw, err)
	}

	if r = e.do("POST", "/__fake/outage", nil, map[string]string{"mode": "busy"}); r.str("mode") != "busy" {
		t.Fatalf("outage: %s", r.raw)
	}
	want(t, e.stable(false), -1)
	if r = e.do("POST", "/__fake/outage", nil, map[string]string{"mode": "sideways"}); r.status != 400 {
		t.Fatalf("bad outage mode: HTTP %d", r.status)
	}
	e.do("POST", "/__fake/outage", nil, map[string]string{"mode": ""})

	e.do("POST", "/__fake/invalidate-tokens", nil, nil)
	want(t, e.withToken(wxfake.PathPhoneNumber, tok, map[string]string{"code": "x"}), 40001)

	e.do("POST", "/__fake/fail-next", nil, map[string]any{"path": wxfake.PathToken, "errcode": 45011})
	want(t, e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}, nil), 45011)

	e.do("POST", "/__fake/words", nil, map[string]any{"risky": []string{"bad"}})
	e.do("POST", "/__fake/active", nil, map[string]string{"openid": "o_curl"})
	sec := e.withToken(wxfake.PathMsgSecCheck, e.token(), map[string]any{"openid": "o_curl", "scene": 1, "version": 2, "content": "bad"})
	if !strings.Contains(sec.raw, `"risky"`) {
		t.Fatalf("words: %s", sec.raw)
	}

	if r = e.do("GET", "/__fake/calls", nil, nil); r.body[wxfake.PathToken] == nil {
		t.Fatalf("calls: %s", r.raw)
	}
	e.do("POST", "/__fake/reset", nil, nil)
	if e.fake.Calls(wxfake.PathToken) != 0 {
		t.Fatal("reset via admin did not clear counters")
	}
	if r = e.do("GET", "/__fake/healthz", nil, nil); r.status != 200 || r.body["ok"] != true {
		t.Fatalf("healthz: %s", r.raw)
	}
	if r = e.do("GET", "/__fake/nope", nil, nil); r.status != 404 {
		t.Fatalf("unknown admin: HTTP %d", r.status)
	}
	if r = e.do("DELETE", "/__fake/messages", nil, nil); r.status != 405 {
		t.Fatalf("wrong admin method: HTTP %d", r.status)
	}
}

// TestConcurrentHammer mixes every endpoint from many goroutines so -race
// can see the shared state being touched at once.
func TestConcurrentHammer(t *testing.T) {
	e := newEnv(t)
	e.fake.RegisterTemplate("T", "thing1")
	e.fake.SetRiskyWords("x")
	const users = 40
	for i := range users {
		e.fake.GrantConsent(fmt.Sprintf("o_%d", i), "T", 1)
	}
	var sent atomic.Int32
	var wg sync.WaitGroup
	for i := range 160 {
		wg.Go(func() {
			openid := fmt.Sprintf("o_%d", i%users)
			switch i % 4 {
			case 0:
				expect(t, e.login(e.fake.IssueLoginCode(openid, "")), 0)
			case 1:
				st := e.stable(i%8 == 1)
				expect(t, st, 0)
				r := e.withToken(wxfake.PathSubscribeSend, st.str("access_token"), map[string]any{
					"touser": openid, "template_id": "T", "data": map[string]any{"thing1": map[string]string{"value": "v"}},
				})
				if r.errcode() == 0 {
					sent.Add(1)
				} else if r.errcode() != 43101 {
					t.Errorf("send: %s", r.raw)
				}
			case 2:
				e.fake.MarkActive(openid)
				r := e.withToken(wxfake.PathMsgSecCheck, e.token(), map[string]any{"openid": openid, "scene": 3, "version": 2, "content": "abc"})
				expect(t, r, 0)
			case 3:
				_ = e.fake.Sent()
				_ = e.fake.Calls(wxfake.PathToken)
				e.fake.IssuePhoneCode("")
				e.fake.FailNext("/not/used", 1, "")
			}
		})
	}
	wg.Wait()
	if int(sent.Load()) != len(e.fake.Sent()) || len(e.fake.Sent()) > users {
		t.Fatalf("sent %d, recorded %d", sent.Load(), len(e.fake.Sent()))
	}
}
