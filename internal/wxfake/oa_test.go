package wxfake_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/wxfake"
)

const (
	oaAppID  = "wxoatest000000001"
	oaSecret = "oatestsecret"
)

func newOAEnv(t *testing.T) *env {
	t.Helper()
	c := newClock()
	fake := wxfake.New(wxfake.Options{AppID: appID, Secret: secret, OAAppID: oaAppID, OASecret: oaSecret, Now: c.Now})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	return &env{t: t, fake: fake, ts: ts, clock: c}
}

func (e *env) oaToken() string {
	e.t.Helper()
	r := e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {oaAppID}, "secret": {oaSecret}}, nil)
	if r.errcode() != 0 || r.str("access_token") == "" {
		e.t.Fatalf("OA token: %s", r.raw)
	}
	return r.str("access_token")
}

func (e *env) oaStable(force bool) resp {
	e.t.Helper()
	return e.do("POST", wxfake.PathStableToken, nil, map[string]any{
		"grant_type": "client_credential", "appid": oaAppID, "secret": oaSecret, "force_refresh": force,
	})
}

func (e *env) userInfo(tok, openid string) resp {
	e.t.Helper()
	return e.do("GET", wxfake.PathOAUserInfo, url.Values{"access_token": {tok}, "openid": {openid}, "lang": {"zh_CN"}}, nil)
}

func TestOADefaults(t *testing.T) {
	fake := wxfake.New(wxfake.Options{})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	e := &env{t: t, fake: fake, ts: ts, clock: newClock()}
	r := e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {wxfake.DefaultOAAppID}, "secret": {wxfake.DefaultOASecret}}, nil)
	want(t, r, 0)
	if wxfake.DefaultOAAppID != "wxoadev00000000000" || wxfake.DefaultOASecret != "devoasecret" {
		t.Fatal("dev defaults changed")
	}
	idx := e.do("GET", "/__fake/", nil, nil)
	if idx.str("oa_appid") != wxfake.DefaultOAAppID || idx.str("mp_original_id") != wxfake.DefaultMPOriginalID || idx.str("oa_original_id") != wxfake.DefaultOAOriginalID {
		t.Fatalf("index: %s", idx.raw)
	}
}

func TestOATokens(t *testing.T) {
	phoneCall := func(e *env, tok string) resp {
		return e.withToken(wxfake.PathPhoneNumber, tok, map[string]string{"code": "none"})
	}
	t.Run("credentials", func(t *testing.T) {
		e := newOAEnv(t)
		for _, tc := range []struct {
			appid, secret string
			code          int
		}{
			{oaAppID, secret, 40125}, // the mini program's secret is not the account's
			{appID, oaSecret, 40125},
			{"wxbad", oaSecret, 40013},
			{oaAppID, "", 41004},
		} {
			want(t, e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {tc.appid}, "secret": {tc.secret}}, nil), tc.code)
			want(t, e.do("POST", wxfake.PathStableToken, nil, map[string]any{"grant_type": "client_credential", "appid": tc.appid, "secret": tc.secret}), tc.code)
		}
		// The account has no wx.login: jscode2session knows the mini program only.
		want(t, e.do("GET", wxfake.PathJSCode2Session, url.Values{
			"appid": {oaAppID}, "secret": {oaSecret}, "js_code": {e.fake.IssueLoginCode("o_x", "")}, "grant_type": {"authorization_code"},
		}, nil), 40013)
	})
	t.Run("a token belongs to its app", func(t *testing.T) {
		e := newOAEnv(t)
		openid := e.fake.AddFollower("u_1")
		mpTok, oaTok := e.token(), e.oaToken()
		want(t, e.userInfo(oaTok, openid), 0)
		want(t, e.userInfo(mpTok, openid), 40001)
		want(t, phoneCall(e, mpTok), 40029) // accepted, the code is not
		want(t, phoneCall(e, oaTok), 40001)
		mpStable, oaStable := e.stable(false).str("access_token"), e.oaStable(false).str("access_token")
		if mpStable == oaStable || mpStable == "" || oaStable == "" {
			t.Fatalf("stable tokens %q and %q", mpStable, oaStable)
		}
		want(t, e.userInfo(oaStable, openid), 0)
		want(t, e.userInfo(mpStable, openid), 40001)
		want(t, e.withToken(wxfake.PathOATemplateSend, mpTok, map[string]any{"touser": openid}), 40001)
		want(t, e.withToken(wxfake.PathSubscribeSend, oaTok, map[string]any{"touser": openid}), 40001)
		want(t, e.withToken(wxfake.PathMsgSecCheck, oaTok, map[string]any{"openid": openid}), 40001)
		want(t, e.withToken(wxfake.PathWXACodeUnlimit, oaTok, map[string]any{"scene": "a"}), 40001)
	})
	t.Run("refreshing one app leaves the other's token alone", func(t *testing.T) {
		e := newOAEnv(t)
		openid := e.fake.AddFollower("")
		oaTok := e.oaToken()
		oaStable := e.oaStable(false).str("access_token")
		for range 3 {
			e.token()
			e.stable(true)
		}
		e.clock.Advance(10 * time.Minute)
		want(t, e.userInfo(oaTok, openid), 0)
		if again := e.oaStable(false); again.str("access_token") != oaStable {
			t.Fatalf("OA stable token changed after MP refreshes: %s", again.raw)
		}
		// The account's own refresh supersedes with the usual grace.
		newer := e.oaToken()
		e.clock.Advance(4 * time.Minute)
		want(t, e.userInfo(oaTok, openid), 0)
		e.clock.Advance(time.Minute)
		want(t, e.userInfo(oaTok, openid), 40001)
		want(t, e.userInfo(newer, openid), 0)
		forced := e.oaStable(true).str("access_token")
		e.clock.Advance(5 * time.Minute)
		want(t, e.userInfo(oaStable, openid), 40001)
		want(t, e.userInfo(forced, openid), 0)
		e.clock.Advance(7200 * time.Second)
		want(t, e.userInfo(forced, openid), 42001)
	})
	t.Run("invalidate, outage, fail-next and calls cover the account", func(t *testing.T) {
		e := newOAEnv(t)
		openid := e.fake.AddFollower("")
		tok, st := e.oaToken(), e.oaStable(false).str("access_token")
		e.fake.InvalidateTokens()
		want(t, e.userInfo(tok, openid), 40001)
		want(t, e.userInfo(st, openid), 40001)
		fresh := e.oaStable(false).str("access_token")
		if fresh == st {
			t.Fatal("stable_token handed out an invalidated token")
		}
		want(t, e.userInfo(fresh, openid), 0)

		e.fake.SetOutage(wxfake.OutageBusy)
		want(t, e.userInfo(fresh, openid), -1)
		want(t, e.oaStable(false), -1)
		e.fake.SetOutage(wxfake.OutageNone)
		e.fake.FailNext(wxfake.PathOATemplateSend, 45009, "reach max api daily quota limit")
		r := e.withToken(wxfake.PathOATemplateSend, fresh, map[string]any{})
		want(t, r, 45009)
		if got := e.fake.Calls(wxfake.PathOAUserInfo); got != 4 {
			t.Fatalf("Calls(user/info) = %d, want 4", got)
		}
		if got := e.fake.Calls(wxfake.PathOATemplateSend); got != 1 {
			t.Fatalf("Calls(template/send) = %d, want 1", got)
		}
		want(t, e.do("POST", wxfake.PathOAUserInfo, nil, "{}"), 43001)
		want(t, e.do("GET", wxfake.PathOATemplateSend, nil, nil), 43002)
	})
}

func TestOAFollowersAndUserInfo(t *testing.T) {
	e := newOAEnv(t)
	tok := e.oaToken()
	alice := e.fake.AddFollower("u_alice")
	e.clock.Advance(time.Hour)
	bob := e.fake.AddFollower("")
	if !strings.HasPrefix(alice, "oOA") || len(alice) != 28 || alice == bob {
		t.Fatalf("openids %q and %q", alice, bob)
	}
	if again := e.fake.AddFollower("u_alice"); again != alice {
		t.Fatalf("the same unionid got a second openid %q", again)
	}
	if other := e.fake.AddFollower(""); other == bob {
		t.Fatal("followers without unionid share an openid")
	}

	r := e.userInfo(tok, alice)
	want(t, r, 0)
	var info struct {
		Subscribe      *int    `json:"subscribe"`
		OpenID         string  `json:"openid"`
		Language       string  `json:"language"`
		SubscribeTime  int64   `json:"subscribe_time"`
		UnionID        string  `json:"unionid"`
		Remark         *string `json:"remark"`
		GroupID        *int    `json:"groupid"`
		TagIDList      []int   `json:"tagid_list"`
		SubscribeScene string  `json:"subscribe_scene"`
		QRScene        *int    `json:"qr_scene"`
		QRSceneStr     *string `json:"qr_scene_str"`
	}
	if err := json.Unmarshal([]byte(r.raw), &info); err != nil {
		t.Fatal(err)
	}
	if info.Subscribe == nil || *info.Subscribe != 1 || info.OpenID != alice || info.UnionID != "u_alice" || info.Language != "zh_CN" ||
		info.SubscribeTime != newClock().Now().Unix() || info.Remark == nil || info.GroupID == nil || info.TagIDList == nil ||
		info.SubscribeScene == "" || info.QRScene == nil || info.QRSceneStr == nil {
		t.Fatalf("user/info: %s", r.raw)
	}
	if _, has := r.body["errcode"]; has {
		t.Fatalf("success carries errcode: %s", r.raw)
	}
	if r := e.userInfo(tok, bob); r.body["unionid"] != nil || r.body["subscribe"] != float64(1) {
		t.Fatalf("follower without unionid: %s", r.raw)
	}

	e.fake.SetFollowing(alice, false)
	r = e.userInfo(tok, alice)
	want(t, r, 0)
	if len(r.body) != 3 || r.body["subscribe"] != float64(0) || r.str("openid") != alice || r.str("unionid") != "u_alice" {
		t.Fatalf("unsubscribed user/info: %s", r.raw)
	}
	e.clock.Advance(time.Hour)
	e.fake.SetFollowing(alice, true)
	tok = e.oaToken() // two hours on, the first one expired
	if r = e.userInfo(tok, alice); r.body["subscribe_time"] != float64(e.clock.Now().Unix()) {
		t.Fatalf("refollowed user/info: %s", r.raw)
	}

	r = e.userInfo(tok, "o_nobody")
	want(t, r, 40003)
	if r.str("errmsg") != "invalid openid" {
		t.Fatalf("errmsg %q", r.str("errmsg"))
	}
	want(t, e.userInfo(tok, ""), 40003)
	want(t, e.do("GET", wxfake.PathOAUserInfo, url.Values{"openid": {alice}}, nil), 41001)

	fs := e.fake.Followers()
	if len(fs) != 3 || fs[0].OpenID != alice || !fs[0].Subscribed || fs[0].UnionID != "u_alice" || fs[1].OpenID != bob {
		t.Fatalf("Followers() = %+v", fs)
	}
	e.fake.SetFollowing(alice, false)
	if again := e.fake.AddFollower("u_alice"); again != alice || !e.fake.Followers()[0].Subscribed {
		t.Fatalf("adding an unfollowed unionid again gave %q, %+v", again, e.fake.Followers()[0])
	}
	e.fake.Reset()
	if len(e.fake.Followers()) != 3 {
		t.Fatal("Reset dropped followers")
	}

	t.Run("SetFollowing on an unknown openid panics", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		e.fake.SetFollowing("o_nobody", false)
	})
}

func TestOATemplateSend(t *testing.T) {
	e := newOAEnv(t)
	tok := e.oaToken()
	const tmpl = "TMPL_OA_POLICY_NOTICE"
	e.fake.RegisterOATemplate(tmpl, "thing1", "thing2", "time3")
	e.fake.RegisterTemplate("TMPL_MP_ONLY", "thing1")
	follower := e.fake.AddFollower("u_f")
	gone := e.fake.AddFollower("u_gone")
	e.fake.MarkActive("o_mp_user")
	e.fake.SetFollowing(gone, false)

	data := func(kv ...string) map[string]any {
		d := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i]] = map[string]string{"value": kv[i+1], "color": "#173177"}
		}
		return d
	}
	full := data("thing1", "返乡创业补贴", "thing2", "请于月底前申请", "time3", "2026年12月31日")
	msg := func(to, template string, d map[string]any) map[string]any {
		// The SDK always sends miniprogram, empty when there is none.
		return map[string]any{"touser": to, "template_id": template, "data": d, "miniprogram": map[string]string{"appid": "", "pagepath": ""}}
	}

	r := e.withToken(wxfake.PathOATemplateSend, tok, map[string]any{
		"touser": follower, "template_id": tmpl, "url": "https://example.org/p/1", "client_msg_id": "notice-7-" + follower,
		"miniprogram": map[string]string{"appid": appID, "pagepath": "pages/policy/detail?id=7"}, "data": full,
	})
	want(t, r, 0)
	if r.str("errmsg") != "ok" || r.body["msgid"] == nil {
		t.Fatalf("send: %s", r.raw)
	}
	want(t, e.withToken(wxfake.PathOATemplateSend, tok, msg(follower, tmpl, full)), 0)
	// Numbers are values too, as WeChat renders them.
	want(t, e.withToken(wxfake.PathOATemplateSend, tok, msg(follower, tmpl, map[string]any{
		"thing1": map[string]any{"value": 12}, "thing2": map[string]any{"value": "x"}, "time3": map[string]any{"value": strings.Repeat("长", 200)},
	})), 0)

	tests := []struct {
		name string
		body any
		code int
	}{
		{"unknown touser", msg("o_nobody", tmpl, full), 40003},
		{"empty touser", msg("", tmpl, full), 40003},
		{"mini-program openid", msg("o_mp_user", tmpl, full), 40003},
		{"unfollowed", msg(gone, tmpl, full), 43004},
		{"unknown template", msg(follower, "TMPL_NOPE", full), 40037},
		{"mini-program template", msg(follower, "TMPL_MP_ONLY", data("thing1", "x")), 40037},
		{"missing key", msg(follower, tmpl, data("thing1", "a", "thing2", "b")), 47003},
		{"extra key", msg(follower, tmpl, data("thing1", "a", "thing2", "b", "time3", "c", "thing4", "d")), 47003},
		{"no data", msg(follower, tmpl, nil), 47003},
		{"too long", msg(follower, tmpl, data("thing1", strings.Repeat("长", 201), "thing2", "b", "time3", "c")), 47003},
		{"value not text", msg(follower, tmpl, map[string]any{"thing1": map[string]any{"value": []int{1}}, "thing2": map[string]any{"value": "b"}, "time3": map[string]any{"value": "c"}}), 47003},
		{"empty body", "", 44002},
		{"not json", "touser=x", 47001},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.withToken(wxfake.PathOATemplateSend, tok, tc.body)
			want(t, r, tc.code)
			if tc.code == 43004 && r.str("errmsg") != "require subscribe" {
				t.Fatalf("errmsg %q", r.str("errmsg"))
			}
		})
	}

	sent := e.fake.OASent()
	if len(sent) != 3 {
		t.Fatalf("OASent has %d messages, want 3: %+v", len(sent), sent)
	}
	first := sent[0]
	if first.ToUser != follower || first.TemplateID != tmpl || first.URL != "https://example.org/p/1" || first.ClientMsgID != "notice-7-"+follower ||
		first.MiniProgram == nil || first.MiniProgram.AppID != appID || first.MiniProgram.PagePath != "pages/policy/detail?id=7" ||
		first.Data["thing1"] != "返乡创业补贴" || first.Data["time3"] != "2026年12月31日" || !first.Time.Equal(e.clock.Now()) ||
		float64(first.MsgID) != r.body["msgid"] {
		t.Fatalf("first message %+v (answer %s)", first, r.raw)
	}
	if sent[1].MiniProgram != nil || sent[2].Data["thing1"] != "12" || sent[1].MsgID <= first.MsgID {
		t.Fatalf("later messages %+v", sent[1:])
	}
	sent[0].Data["thing1"] = "changed"
	sent[0].MiniProgram.AppID = "changed"
	if again := e.fake.OASent(); again[0].Data["thing1"] != "返乡创业补贴" || again[0].MiniProgram.AppID != appID {
		t.Fatal("OASent shares state with the caller")
	}
	if len(e.fake.Sent()) != 0 {
		t.Fatal("template messages were recorded as subscribe messages")
	}
	e.fake.Reset()
	if len(e.fake.OASent()) != 3 || len(e.fake.OATemplates()[tmpl]) != 3 {
		t.Fatal("Reset dropped OA messages or templates")
	}
}

func TestOAAdmin(t *testing.T) {
	e := newOAEnv(t)
	tok := e.oaToken()

	r := e.do("POST", "/__fake/followers", nil, map[string]string{"unionid": "u_admin"})
	openid := r.str("openid")
	if r.status != 200 || !strings.HasPrefix(openid, "oOA") || r.str("unionid") != "u_admin" {
		t.Fatalf("add follower: %d %s", r.status, r.raw)
	}
	if r = e.do("POST", "/__fake/followers", nil, nil); r.status != 200 || r.str("openid") == "" || r.str("openid") == openid {
		t.Fatalf("add follower without body: %s", r.raw)
	}
	r = e.do("GET", "/__fake/followers", nil, nil)
	var fs []wxfake.Follower
	if err := json.Unmarshal([]byte(r.raw), &fs); err != nil || len(fs) != 2 || fs[0].OpenID != openid || !fs[0].Subscribed {
		t.Fatalf("followers: %s (%v)", r.raw, err)
	}

	if r = e.do("POST", "/__fake/followers/unfollow", nil, map[string]string{"openid": openid}); r.status != 200 || r.body["ok"] != true {
		t.Fatalf("unfollow: %s", r.raw)
	}
	if r := e.userInfo(tok, openid); r.body["subscribe"] != float64(0) {
		t.Fatalf("after unfollow: %s", r.raw)
	}
	if r = e.do("POST", "/__fake/followers/follow", url.Values{"openid": {openid}}, nil); r.status != 200 {
		t.Fatalf("follow: %s", r.raw)
	}
	if r := e.userInfo(tok, openid); r.body["subscribe"] != float64(1) {
		t.Fatalf("after follow: %s", r.raw)
	}
	if r = e.do("POST", "/__fake/followers/follow", nil, map[string]string{"openid": "o_nobody"}); r.status != 404 {
		t.Fatalf("follow unknown: %d %s", r.status, r.raw)
	}
	if r = e.do("POST", "/__fake/followers/unfollow", nil, nil); r.status != 400 {
		t.Fatalf("unfollow without openid: %d %s", r.status, r.raw)
	}
	if r = e.do("GET", "/__fake/followers/follow", nil, nil); r.status != 405 {
		t.Fatalf("GET follow: %d", r.status)
	}

	if r = e.do("POST", "/__fake/oa-templates", nil, map[string]any{"id": "T_OA", "keys": []string{"thing1", "time2"}}); r.status != 200 || r.body["T_OA"] == nil {
		t.Fatalf("oa-templates POST: %s", r.raw)
	}
	if r = e.do("POST", "/__fake/oa-templates", nil, map[string]any{"id": "T_OA"}); r.status != 400 {
		t.Fatalf("oa-templates without keys: %d", r.status)
	}
	if r = e.do("GET", "/__fake/templates", nil, nil); r.body["T_OA"] != nil {
		t.Fatalf("OA template listed among subscribe templates: %s", r.raw)
	}
	want(t, e.withToken(wxfake.PathOATemplateSend, tok, map[string]any{
		"touser": openid, "template_id": "T_OA", "data": map[string]any{"thing1": map[string]string{"value": "a"}, "time2": map[string]string{"value": "b"}},
	}), 0)
	r = e.do("GET", "/__fake/oa-messages", nil, nil)
	var msgs []wxfake.OATemplateMessage
	if err := json.Unmarshal([]byte(r.raw), &msgs); err != nil || len(msgs) != 1 || msgs[0].ToUser != openid || msgs[0].Data["time2"] != "b" || msgs[0].MsgID == 0 {
		t.Fatalf("oa-messages: %s (%v)", r.raw, err)
	}
	if r = e.do("GET", "/__fake/messages", nil, nil); strings.Contains(r.raw, openid) {
		t.Fatalf("OA message listed among subscribe messages: %s", r.raw)
	}
}

// TestOAConcurrent lets -race see followers, template sends and tokens of both apps at once.
func TestOAConcurrent(t *testing.T) {
	e := newOAEnv(t)
	e.fake.RegisterOATemplate("T", "thing1")
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			openid := e.fake.AddFollower("")
			var tok string
			if i%2 == 0 {
				tok = e.oaStable(i%4 == 0).str("access_token")
			} else {
				r := e.do("GET", wxfake.PathToken, url.Values{"grant_type": {"client_credential"}, "appid": {oaAppID}, "secret": {oaSecret}}, nil)
				tok = r.str("access_token")
			}
			if i%5 == 0 {
				e.fake.SetFollowing(openid, false)
			}
			r := e.withToken(wxfake.PathOATemplateSend, tok, map[string]any{"touser": openid, "template_id": "T", "data": map[string]any{"thing1": map[string]string{"value": "v"}}})
			// Superseded tokens keep working: the clock does not move.
			if i%5 == 0 {
				expect(t, r, 43004)
			} else {
				expect(t, r, 0)
			}
			_ = e.fake.Followers()
			_ = e.fake.OASent()
		})
	}
	wg.Wait()
	if got := len(e.fake.OASent()); got != 32 {
		t.Fatalf("OASent = %d, want 32", got)
	}
}
