package wechat_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/testenv"
	"huixiang/internal/wechat"
	"huixiang/internal/wxfake"
)

const appID, secret = "wxunit0000000001", "unit-secret-abcdef"

var (
	fakeOnce sync.Once
	fake     *wxfake.Server
	fakeURL  string
)

// client returns a Client on the package's one stand-in (the SDK's HTTP client is process-wide).
func client(t *testing.T, logs *bytes.Buffer, opts ...func(*wechat.Options)) *wechat.Client {
	t.Helper()
	fakeOnce.Do(func() {
		fake = wxfake.New(wxfake.Options{AppID: appID, Secret: secret})
		fakeURL = httptest.NewServer(fake).URL
	})
	t.Cleanup(fake.Reset)
	rdb, prefix := testenv.Redis(t)
	if logs == nil {
		logs = &bytes.Buffer{}
	}
	o := wechat.Options{AppID: appID, Secret: secret, APIBase: fakeURL, Timeout: time.Second, State: "developer",
		Redis: rdb, KeyPrefix: prefix, Log: slog.New(slog.NewTextHandler(logs, nil))}
	for _, f := range opts {
		f(&o)
	}
	return wechat.New(o)
}

func TestCode2Session_mapsWeChatAnswers(t *testing.T) {
	c := client(t, nil)
	ctx := t.Context()
	code := fake.IssueLoginCode("o_unit", "u_unit")
	s, err := c.Code2Session(ctx, code)
	if err != nil || s.OpenID != "o_unit" || s.UnionID != "u_unit" || s.SessionKey == "" {
		t.Fatalf("Code2Session = %+v, %v", s, err)
	}
	cases := map[string]struct {
		setup func() string
		want  error
	}{
		"used code":    {func() string { return code }, wechat.ErrCodeInvalid},
		"unknown code": {func() string { return "nope" }, wechat.ErrCodeInvalid},
		"empty code":   {func() string { return "" }, wechat.ErrCodeInvalid},
		"busy": {func() string {
			fake.FailNext(wxfake.PathJSCode2Session, -1, "")
			return fake.IssueLoginCode("o_unit", "")
		}, wechat.ErrUnavailable},
		"rate limited": {func() string {
			fake.FailNext(wxfake.PathJSCode2Session, 45011, "")
			return fake.IssueLoginCode("o_unit", "")
		}, wechat.ErrUnavailable},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Code2Session(ctx, tc.setup()); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestWrongSecret_unavailableAndNeverLogged(t *testing.T) {
	var logs bytes.Buffer
	c := client(t, &logs, func(o *wechat.Options) { o.Secret = "wrong-secret-value" })
	_, err := c.Code2Session(t.Context(), fake.IssueLoginCode("o_x", ""))
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	_, err = c.PhoneNumber(t.Context(), fake.IssuePhoneCode("13800000000"))
	if !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("phone with wrong secret: err = %v", err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") {
		t.Fatalf("misconfiguration not logged as an error:\n%s", logs.String())
	}
	if strings.Contains(logs.String()+err.Error(), "wrong-secret-value") {
		t.Fatalf("the secret reached a log or an error:\n%s", logs.String())
	}
}

func TestAccessToken_sharedThroughRedisByReplicas(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	share := func(o *wechat.Options) { o.Redis, o.KeyPrefix = rdb, prefix }
	a, b := client(t, nil, share), client(t, nil, share)
	before := fake.Calls(wxfake.PathStableToken)
	for _, c := range []*wechat.Client{a, b, a, b} {
		if _, err := c.PhoneNumber(t.Context(), fake.IssuePhoneCode("13800000001")); err != nil {
			t.Fatal(err)
		}
	}
	if got := fake.Calls(wxfake.PathStableToken) - before; got != 1 {
		t.Fatalf("stable_token calls = %d, want 1 for two replicas", got)
	}
	keys, _ := rdb.Keys(t.Context(), prefix+"wx:*").Result()
	if len(keys) != 1 {
		t.Fatalf("token cache keys = %v", keys)
	}
	if ttl := rdb.TTL(t.Context(), keys[0]).Val(); ttl <= 0 || ttl > 7200*time.Second {
		t.Fatalf("token cached with TTL %v", ttl)
	}
}

func TestPhoneNumber_foreignNumberKeepsCountryCode(t *testing.T) {
	c := client(t, nil)
	p, err := c.PhoneNumber(t.Context(), fake.IssuePhoneCode("+1 4155550100"))
	if err != nil || p != "+14155550100" {
		t.Fatalf("PhoneNumber = %q, %v", p, err)
	}
}

func TestSendSubscribe(t *testing.T) {
	c := client(t, nil)
	ctx := t.Context()
	fake.RegisterTemplate("TMPL_PROGRESS", "thing1", "phrase2", "time3")
	openid := fmt.Sprintf("o_sub_%d", time.Now().UnixNano()) // the stand-in outlives -count runs
	fake.IssueLoginCode(openid, "")
	before := len(fake.Sent())
	msg := wechat.Message{ToOpenID: openid, TemplateID: "TMPL_PROGRESS", Page: "pages/index/index",
		Data: map[string]string{"thing1": "一次性创业补贴", "phrase2": "已通过", "time3": "2026-11-28 14:30"}}
	if err := c.SendSubscribe(ctx, msg); !errors.Is(err, wechat.ErrNoConsent) {
		t.Fatalf("without consent: err = %v, want ErrNoConsent", err)
	}
	fake.GrantConsent(openid, "TMPL_PROGRESS", 1)
	if err := c.SendSubscribe(ctx, msg); err != nil {
		t.Fatal(err)
	}
	sent := fake.Sent()[before:]
	if len(sent) != 1 || sent[0].State != "developer" || sent[0].Lang != "zh_CN" {
		t.Fatalf("sent = %+v", sent)
	}
	if err := c.SendSubscribe(ctx, msg); !errors.Is(err, wechat.ErrNoConsent) {
		t.Fatalf("consent spent: err = %v, want ErrNoConsent", err)
	}
	fake.GrantConsent(openid, "TMPL_PROGRESS", 1)
	msg.Data["thing1"] = strings.Repeat("长", 21)
	if err := c.SendSubscribe(ctx, msg); !errors.Is(err, wechat.ErrInvalidArgument) {
		t.Fatalf("thing over 20 chars: err = %v, want ErrInvalidArgument", err)
	}
}

func TestCheckText(t *testing.T) {
	c := client(t, nil)
	ctx := t.Context()
	fake.SetRiskyWords("赌博")
	if _, err := c.CheckText(ctx, "o_never_seen", "你好"); !errors.Is(err, wechat.ErrUserInactive) {
		t.Fatalf("inactive user: err = %v", err)
	}
	fake.MarkActive("o_txt")
	for text, want := range map[string]wechat.Verdict{"我会竹编手艺": wechat.VerdictPass, "网上赌博": wechat.VerdictRisky} {
		if v, err := c.CheckText(ctx, "o_txt", text); err != nil || v != want {
			t.Errorf("CheckText(%q) = %q, %v; want %q", text, v, err, want)
		}
	}
	fake.SetOutage(wxfake.OutageHTTP502)
	if _, err := c.CheckText(ctx, "o_txt", "你好"); !errors.Is(err, wechat.ErrUnavailable) {
		t.Fatalf("502: err = %v, want ErrUnavailable", err)
	}
}

func TestRedact(t *testing.T) {
	in := "Get https://api.weixin.qq.com/sns/jscode2session?appid=wx1&secret=abc123&js_code=xyz&grant_type=authorization_code: x; access_token=TOKEN9"
	out := wechat.Redact(in)
	for _, s := range []string{"abc123", "xyz", "TOKEN9"} {
		if strings.Contains(out, s) {
			t.Fatalf("Redact left %q in %s", s, out)
		}
	}
	if !strings.Contains(out, "appid=wx1") {
		t.Fatalf("Redact removed too much: %s", out)
	}
}
