// The stand-in is only worth having if the real SDK cannot tell it from WeChat: these tests
// drive the SDK itself (not our adapter) against it. They live here because internal/wechat is
// the only package that imports the SDK.
package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/miniprogram"
	"github.com/silenceper/wechat/v2/miniprogram/config"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"

	"huixiang/internal/wxfake"
)

// memCache is the smallest cache.Cache the SDK accepts; Get must return a
// string or an untyped nil, never a typed nil.
type memCache struct {
	mu sync.Mutex
	m  map[string]memItem
}

type memItem struct {
	v   any
	exp time.Time
}

const (
	compatAppID  = "wxcompat00000001"
	compatSecret = "compat-secret-0123456789"
)

func newMemCache() *memCache { return &memCache{m: map[string]memItem{}} }

func (c *memCache) Get(key string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	it, ok := c.m[key]
	if !ok || time.Now().After(it.exp) {
		return nil
	}
	return it.v
}

func (c *memCache) Set(key string, val any, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = memItem{val, time.Now().Add(timeout)}
	return nil
}

func (c *memCache) IsExist(key string) bool { return c.Get(key) != nil }

func (c *memCache) Delete(key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
	return nil
}

func (c *memCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = map[string]memItem{}
}

// rewrite sends the SDK's https://api.weixin.qq.com requests to the fake and
// refuses anything else, so a stray real call fails loudly.
type rewrite struct{ target *url.URL }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" || r.URL.Host != "api.weixin.qq.com" {
		return nil, errors.New("unexpected request to " + r.URL.String())
	}
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host, out.Host = rw.target.Scheme, rw.target.Host, rw.target.Host
	return http.DefaultTransport.RoundTrip(out)
}

// useFake points the SDK's global HTTP client at the fake for one test; tests
// using it must not run in parallel.
func useFake(t *testing.T, fake *wxfake.Server) {
	t.Helper()
	ts := httptest.NewServer(fake)
	target, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	prev := util.DefaultHTTPClient
	util.DefaultHTTPClient = &http.Client{Transport: rewrite{target}, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		util.DefaultHTTPClient = prev
		ts.Close()
	})
}

func wechatCode(t *testing.T, err error) int64 {
	t.Helper()
	var ce *util.CommonError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a WeChat CommonError", err)
	}
	return ce.ErrCode
}

func TestRealSDKAgainstStandIn(t *testing.T) {
	ctx := context.Background()
	fake := wxfake.New(wxfake.Options{AppID: compatAppID, Secret: compatSecret})
	useFake(t, fake)
	cache := newMemCache()
	mp := miniprogram.NewMiniProgram(&config.Config{AppID: compatAppID, AppSecret: compatSecret, Cache: cache, UseStableAK: true})

	t.Run("Code2Session", func(t *testing.T) {
		code := fake.IssueLoginCode("o_sdk", "u_sdk")
		res, err := mp.GetAuth().Code2SessionContext(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if res.OpenID != "o_sdk" || res.UnionID != "u_sdk" || len(res.SessionKey) != 24 {
			t.Fatalf("got %+v", res)
		}
		_, err = mp.GetAuth().Code2SessionContext(ctx, code)
		if err == nil || !strings.Contains(err.Error(), "errcode=40163") {
			t.Fatalf("reused code: err = %v", err)
		}
		_, err = mp.GetAuth().Code2SessionContext(ctx, "made-up")
		if err == nil || !strings.Contains(err.Error(), "errcode=40029") {
			t.Fatalf("unknown code: err = %v", err)
		}
	})

	t.Run("GetPhoneNumber", func(t *testing.T) {
		res, err := mp.GetAuth().GetPhoneNumberContext(ctx, fake.IssuePhoneCode("13800138000"))
		if err != nil {
			t.Fatal(err)
		}
		if res.PhoneInfo.PhoneNumber != "13800138000" || res.PhoneInfo.PurePhoneNumber != "13800138000" ||
			res.PhoneInfo.CountryCode != "86" || res.PhoneInfo.WaterMark.AppID != compatAppID || res.PhoneInfo.WaterMark.Timestamp == 0 {
			t.Fatalf("got %+v", res.PhoneInfo)
		}
		_, err = mp.GetAuth().GetPhoneNumberContext(ctx, "made-up")
		if code := wechatCode(t, err); code != 40029 {
			t.Fatalf("errcode %d, want 40029", code)
		}
	})

	t.Run("SubscribeSend", func(t *testing.T) {
		const tmpl = "TMPL_APPLICATION_PROGRESS"
		fake.RegisterTemplate(tmpl, "thing1", "phrase2", "time3", "thing4")
		fake.GrantConsent("o_sdk", tmpl, 1)
		msg := &subscribe.Message{
			ToUser:     "o_sdk",
			TemplateID: tmpl,
			Page:       "pages/application/detail?id=7",
			Data: map[string]*subscribe.DataItem{
				"thing1":  {Value: "志愿者申请"},
				"phrase2": {Value: "已通过"},
				"time3":   {Value: "2025年3月1日 09:30"},
				"thing4":  {Value: "请按时到岗"},
			},
			MiniprogramState: "trial",
			Lang:             "zh_CN",
		}
		if err := mp.GetSubscribe().Send(msg); err != nil {
			t.Fatal(err)
		}
		if code := wechatCode(t, mp.GetSubscribe().Send(msg)); code != 43101 {
			t.Fatalf("errcode %d, want 43101", code)
		}
		fake.GrantConsent("o_sdk", tmpl, 1)
		msg.Data["phrase2"] = &subscribe.DataItem{Value: "approved"}
		if code := wechatCode(t, mp.GetSubscribe().Send(msg)); code != 47003 {
			t.Fatalf("errcode %d, want 47003", code)
		}
		sent := fake.Sent()
		if len(sent) != 1 || sent[0].Data["time3"] != "2025年3月1日 09:30" || sent[0].State != "trial" {
			t.Fatalf("sent %+v", sent)
		}
	})

	t.Run("MsgCheck", func(t *testing.T) {
		fake.SetRiskyWords("违禁词")
		fake.SetReviewWords("待定")
		for _, tc := range []struct {
			content string
			suggest security.CheckSuggest
			label   security.CheckLabel
		}{
			{"你好，世界", security.CheckSuggestPass, 100},
			{"这个待定", security.CheckSuggestReview, 21000},
			{"含有违禁词", security.CheckSuggestRisky, 20001},
		} {
			res, err := mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
				OpenID: "o_sdk", Scene: security.MsgSceneComment, Content: tc.content,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Result.Suggest != tc.suggest || res.Result.Label != tc.label || res.TraceID == "" ||
				len(res.Detail) == 0 || res.Detail[0].Strategy != "content_model" {
				t.Fatalf("%q: got %+v", tc.content, res)
			}
		}
		_, err := mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: "o_stranger", Scene: security.MsgSceneComment, Content: "hi",
		})
		if code := wechatCode(t, err); code != 61010 {
			t.Fatalf("errcode %d, want 61010", code)
		}
	})

	t.Run("one stable token for everything", func(t *testing.T) {
		if n := fake.Calls(wxfake.PathStableToken); n != 1 {
			t.Fatalf("stable_token called %d times, want 1", n)
		}
		if n := fake.Calls(wxfake.PathToken); n != 0 {
			t.Fatalf("cgi-bin/token called %d times with UseStableAK", n)
		}
	})

	t.Run("invalidated token then refetch", func(t *testing.T) {
		fake.InvalidateTokens()
		_, err := mp.GetAuth().GetPhoneNumberContext(ctx, fake.IssuePhoneCode(""))
		if code := wechatCode(t, err); code != 40001 {
			t.Fatalf("errcode %d, want 40001", code)
		}
		cache.Clear()
		if _, err := mp.GetAuth().GetPhoneNumberContext(ctx, fake.IssuePhoneCode("")); err != nil {
			t.Fatal(err)
		}
		if n := fake.Calls(wxfake.PathStableToken); n != 2 {
			t.Fatalf("stable_token called %d times, want 2", n)
		}
	})

	t.Run("outages surface as errors", func(t *testing.T) {
		defer fake.SetOutage(wxfake.OutageNone)
		fake.SetOutage(wxfake.OutageHTTP502)
		_, err := mp.GetAuth().Code2SessionContext(ctx, fake.IssueLoginCode("o_sdk", ""))
		if err == nil || !strings.Contains(err.Error(), "statusCode=502") {
			t.Fatalf("http502: err = %v", err)
		}
		fake.SetOutage(wxfake.OutageBusy)
		_, err = mp.GetAuth().GetPhoneNumberContext(ctx, fake.IssuePhoneCode(""))
		if code := wechatCode(t, err); code != -1 {
			t.Fatalf("busy: errcode %d", code)
		}
		fake.SetOutage(wxfake.OutageHang)
		hctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err = mp.GetAuth().Code2SessionContext(hctx, fake.IssueLoginCode("o_sdk", ""))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("hang: err = %v", err)
		}
	})

	t.Run("plain access token", func(t *testing.T) {
		plain := miniprogram.NewMiniProgram(&config.Config{AppID: compatAppID, AppSecret: compatSecret, Cache: newMemCache()})
		if _, err := plain.GetAuth().GetPhoneNumberContext(ctx, fake.IssuePhoneCode("")); err != nil {
			t.Fatal(err)
		}
		if n := fake.Calls(wxfake.PathToken); n != 1 {
			t.Fatalf("cgi-bin/token called %d times, want 1", n)
		}
		bad := miniprogram.NewMiniProgram(&config.Config{AppID: compatAppID, AppSecret: "wrong", Cache: newMemCache()})
		_, err := bad.GetAuth().GetPhoneNumberContext(ctx, fake.IssuePhoneCode(""))
		if err == nil || !strings.Contains(err.Error(), "errcode=40125") {
			t.Fatalf("wrong compatSecret: err = %v", err)
		}
	})
}
