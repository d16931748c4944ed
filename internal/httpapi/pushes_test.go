package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"huixiang/internal/config"
	"huixiang/internal/notice"
	"huixiang/internal/wxfake"
)

const (
	cbToken     = "cbtoken-huixiang-test"
	noticeTmpl  = "TMPL_POLICY_NOTICE"
	oaNoticeTpl = "TMPL_OA_POLICY_NOTICE"
)

// withPushes configures the mini program's message push (encrypted), the official account
// beside it, and no quiet hours (the test runs at any hour; quiet hours have their own tests).
func withPushes(aesKey, oaAESKey string) option {
	return func(c *config.Config) {
		c.WeChat.CallbackToken, c.WeChat.CallbackAESKey = cbToken, aesKey
		c.WeChat.OAAppID, c.WeChat.OASecret, c.WeChat.OAToken, c.WeChat.OAAESKey = oaAppID(c.WeChat.AppID), testSecret, cbToken+"-oa", oaAESKey
		c.Notify.QuietFrom, c.Notify.QuietTo = 8, 8
	}
}

func (e *env) mpTarget(encrypted bool, format string) wxfake.CallbackTarget {
	return wxfake.CallbackTarget{URL: e.srv.URL + "/wechat/callback", Token: cbToken, EncodingAESKey: e.cfg.WeChat.CallbackAESKey,
		AppID: e.cfg.WeChat.AppID, Encrypted: encrypted, Format: format}
}

func (e *env) oaTarget(encrypted bool) wxfake.CallbackTarget {
	return wxfake.CallbackTarget{URL: e.srv.URL + "/wechat/oa/callback", Token: cbToken + "-oa", EncodingAESKey: e.cfg.WeChat.OAAESKey,
		AppID: e.cfg.WeChat.OAAppID, Encrypted: encrypted}
}

func (e *env) deliver(t wxfake.CallbackTarget, ev wxfake.Event) (int, string) {
	e.t.Helper()
	status, body, err := wxfake.Deliver(context.Background(), t, ev)
	if err != nil {
		e.t.Fatal(err)
	}
	return status, body
}

type pushReport struct {
	Status string `json:"status"`
	Report struct {
		Inbox  int `json:"inbox_written"`
		Pushes struct {
			SubscribeSent int `json:"subscribe_sent"`
			OASent        int `json:"oa_sent"`
			Sending       int `json:"sending"`
			Failed        int `json:"failed"`
			Skipped       struct {
				NoConsent  int `json:"no_consent"`
				QuietHours int `json:"quiet_hours"`
				Cap        int `json:"cap"`
				TurnedOff  int `json:"turned_off"`
			} `json:"skipped"`
		} `json:"pushes"`
	} `json:"report"`
}

// The issue's "done when": a department clerk drafts a notice to "returned, intends to start,
// township 贺胜桥镇", a district admin approves it, and the people in it receive it in the inbox
// and, where they consented, in WeChat — by subscribe message or through the official account
// — counted in the report; WeChat's own events drive consent, follows and delivery failures.
func TestNoticePushes_consentFromWeChat_subscribeOrOfficialAccount_reportAndResend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPushes(wxfake.NewEncodingAESKey(), wxfake.NewEncodingAESKey()))
	seedRegions(t, e)
	e.wx.RegisterTemplate(noticeTmpl, "thing1", "thing2", "time3")
	e.wx.RegisterOATemplate(oaNoticeTpl, "thing1", "thing2", "time3")
	admin := e.staffToken("admin", adminPasswd)
	e.createStaff(admin, map[string]string{"username": "hrclerk", "password": "Department12345", "role": "department", "department": "区人社局"})
	clerk := e.staffToken("hrclerk", "Department12345")
	r := e.do("POST", "/admin/api/v1/policy-library", admin, subsidyPolicy())
	var p policyAnswer
	r.json(t, &p)
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/policy-library/%d/publish", p.ID), admin, map[string]any{"version": p.Version}), 200, "")

	// Four returnees of 贺胜桥镇 preparing a business, each signed in with a unionid.
	names := []string{"sub", "follower", "nothing", "off"}
	tokens := map[string]string{}
	for i, name := range names {
		openid := "o_push_" + name
		r := e.do("POST", "/api/v1/auth/login", "", map[string]string{"code": e.wx.IssueLoginCode(openid, "u_push_"+name)})
		expect(t, r, 200, "")
		var a loginAnswer
		r.json(t, &a)
		e.acceptPrivacy(a.Token)
		expect(t, e.do("POST", "/api/v1/me/phone", a.Token, map[string]string{"code": e.wx.IssuePhoneCode(fmt.Sprintf("1370000%04d", i))}), 200, "")
		f := form(120+i, "990102")
		f["intention"] = "preparing"
		expect(t, e.do("PUT", "/api/v1/me/returnee", a.Token, f), 200, "")
		tokens[name] = a.Token
	}

	// WeChat's URL verification of both callbacks, and a forged push refused.
	for _, tg := range []wxfake.CallbackTarget{e.mpTarget(false, "json"), e.oaTarget(false)} {
		if err := wxfake.VerifyURL(context.Background(), tg); err != nil {
			t.Fatalf("URL verification of %s: %v", tg.URL, err)
		}
	}
	forged := e.mpTarget(true, "json")
	forged.BadMsgSignature = true
	if status, body := e.deliver(forged, wxfake.PopupEvent("o_push_sub", wxfake.PopupItem{TemplateID: noticeTmpl, Status: "accept", Scene: "0"})); status != 401 || !strings.Contains(body, "SIGNATURE_INVALID") {
		t.Fatalf("forged push: %d %s", status, body)
	}

	// "sub" accepts the long-term notice template in the mini program's popup: WeChat tells us
	// (encrypted JSON), and the mini program's own report does not count it twice.
	e.wx.GrantConsent("o_push_sub", noticeTmpl, 10)
	e.wx.GrantConsent("o_push_off", noticeTmpl, 10)
	for _, who := range []string{"o_push_sub", "o_push_off"} {
		if status, body := e.deliver(e.mpTarget(true, "json"), wxfake.PopupEvent(who, wxfake.PopupItem{TemplateID: noticeTmpl, Status: "accept", Scene: "0"})); status != 200 || body != "success" {
			t.Fatalf("popup event: %d %s", status, body)
		}
	}
	expect(t, e.do("POST", "/api/v1/me/subscriptions", tokens["sub"], map[string]any{"accepted": []string{noticeTmpl}}), 200, "")
	var settings struct {
		PushesEnabled bool   `json:"pushes_enabled"`
		Consent       string `json:"notice_consent"`
		TemplateID    string `json:"notice_template_id"`
	}
	e.do("GET", "/api/v1/me/notification-settings", tokens["sub"], nil).json(t, &settings)
	if !settings.PushesEnabled || settings.Consent != "long_term" || settings.TemplateID != noticeTmpl {
		t.Fatalf("settings of sub: %+v", settings)
	}
	// "off" turns pushes off in 我的.
	expect(t, e.do("PUT", "/api/v1/me/notification-settings", tokens["off"], map[string]any{}), 422, "VALIDATION_FAILED")
	r = e.do("PUT", "/api/v1/me/notification-settings", tokens["off"], map[string]any{"pushes_enabled": false})
	expect(t, r, 200, "")
	r.json(t, &settings)
	if settings.PushesEnabled {
		t.Fatalf("after turning off: %s", r.Body)
	}
	// "follower" follows the district's official account: WeChat tells us (encrypted XML), and
	// we ask WeChat who it is.
	oaOpenID := e.wx.AddFollower("u_push_follower")
	if status, body := e.deliver(e.oaTarget(true), wxfake.FollowEvent(oaOpenID)); status != 200 {
		t.Fatalf("follow event: %d %s", status, body)
	}

	// The clerk drafts, the administrator approves, the fan-out and the worker run.
	body := map[string]any{
		"title": "贺胜桥镇返乡创业补贴开始申请", "push_summary": "5000 元创业补贴可以申请了", "body": "准备创业的返乡人员，请在小程序里申请一次性创业补贴。",
		"policy_id": p.ID,
		"rule": map[string]any{"all": []any{
			map[string]any{"field": "returnee_status", "op": "eq", "value": "returned"},
			map[string]any{"field": "startup_intention", "op": "in", "value": []string{"considering", "preparing"}},
			map[string]any{"field": "township", "op": "eq", "value": "990102"},
		}},
	}
	r = e.do("POST", "/admin/api/v1/notices", clerk, body)
	expect(t, r, 201, "")
	var n struct {
		ID int64 `json:"id"`
	}
	r.json(t, &n)
	path := fmt.Sprintf("/admin/api/v1/notices/%d", n.ID)
	expect(t, e.do("POST", path+"/approve", admin, nil), 200, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ids, err := e.app.Notices.StartDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := e.app.Notices.Fanout(ctx, id, notice.BatchSize, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.app.NotifyWorker.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.app.NotifyWorker.Shutdown(context.Background()) }()
	var rep pushReport
	deadline := time.Now().Add(30 * time.Second)
	for {
		e.do("GET", path, clerk, nil).json(t, &rep)
		ps := rep.Report.Pushes
		if ps.SubscribeSent+ps.OASent+ps.Skipped.NoConsent+ps.Skipped.TurnedOff+ps.Failed == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ps := rep.Report.Pushes
	if rep.Report.Inbox != 4 || ps.SubscribeSent != 1 || ps.OASent != 1 || ps.Skipped.NoConsent != 1 || ps.Skipped.TurnedOff != 1 || ps.Failed != 0 {
		t.Fatalf("report: %+v", rep.Report)
	}
	var subMsgID int64
	for _, m := range e.wx.Sent() {
		if m.ToUser == "o_push_sub" && m.TemplateID == noticeTmpl {
			subMsgID = m.MsgID
			if m.Page != fmt.Sprintf("pages/policy/policy?id=%d", p.ID) || m.Data["thing2"] != "5000 元创业补贴可以申请了" {
				t.Fatalf("subscribe message: %+v", m)
			}
		}
		if m.ToUser == "o_push_off" {
			t.Fatal("a person who turned pushes off got one")
		}
	}
	oa := e.wx.OASent()
	if subMsgID == 0 || len(oa) != 1 || oa[0].ToUser != oaOpenID || oa[0].MiniProgram == nil || oa[0].MiniProgram.AppID != e.cfg.WeChat.AppID ||
		oa[0].MiniProgram.PagePath != fmt.Sprintf("pages/policy/policy?id=%d", p.ID) {
		t.Fatalf("subscribe msgid %d; official-account messages %+v", subMsgID, oa)
	}

	// WeChat reports that "sub" refused the delivery: failed in the report; resend tries again,
	// and without consent or a follow it is skipped.
	if status, body := e.deliver(e.mpTarget(false, "xml"), wxfake.SentEvent("o_push_sub",
		wxfake.SentItem{TemplateID: noticeTmpl, MsgID: fmt.Sprint(subMsgID), ErrorCode: "10004", ErrorStatus: "fail user refuse accept"})); status != 200 {
		t.Fatalf("sent event: %d %s", status, body)
	}
	e.do("GET", path, clerk, nil).json(t, &rep)
	if rep.Report.Pushes.Failed != 1 || rep.Report.Pushes.SubscribeSent != 0 {
		t.Fatalf("after the failed delivery: %+v", rep.Report.Pushes)
	}
	expect(t, e.do("POST", path+"/resend", clerk, nil), 200, "")
	deadline = time.Now().Add(30 * time.Second)
	for {
		e.do("GET", path, clerk, nil).json(t, &rep)
		if rep.Report.Pushes.Skipped.NoConsent == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if rep.Report.Pushes.Skipped.NoConsent != 2 || rep.Report.Pushes.Failed != 0 {
		t.Fatalf("after resend: %+v", rep.Report.Pushes)
	}
	var audited int
	e.db.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action = 'notice.resend'`)
	if audited != 1 {
		t.Fatalf("resend audited %d times", audited)
	}

	// Unfollowing is recorded too.
	e.wx.SetFollowing(oaOpenID, false)
	if status, _ := e.deliver(e.oaTarget(false), wxfake.UnfollowEvent(oaOpenID)); status != 200 {
		t.Fatalf("unfollow: %d", status)
	}
	var following bool
	e.db.Get(&following, `SELECT following FROM wechat_followers WHERE oa_openid = ?`, oaOpenID)
	if following {
		t.Fatal("still following after unfollow")
	}
}

func TestWeChatCallbacks_offWithoutToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expect(t, e.do("POST", "/wechat/callback", "", "<xml></xml>"), 404, "CALLBACK_NOT_CONFIGURED")
	expect(t, e.do("GET", "/wechat/oa/callback?echostr=1", "", nil), 404, "CALLBACK_NOT_CONFIGURED")
}

// Forged or replayed pushes are refused before anything is recorded: a wrong signature (plain
// and encrypted, both callbacks) and a timestamp older than 5 minutes.
func TestWeChatCallbacks_forgedAndStaleRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withPushes(wxfake.NewEncodingAESKey(), wxfake.NewEncodingAESKey()))
	e.wx.RegisterTemplate(noticeTmpl, "thing1", "thing2", "time3")
	tok := e.signIn("o_forged").Token
	accept := wxfake.PopupEvent("o_forged", wxfake.PopupItem{TemplateID: noticeTmpl, Status: "accept", Scene: "0"})
	bad := func(tg wxfake.CallbackTarget, ev wxfake.Event) {
		t.Helper()
		if status, body := e.deliver(tg, ev); status != 401 || !strings.Contains(body, "SIGNATURE_INVALID") {
			t.Fatalf("%s (encrypted %v): %d %s", tg.URL, tg.Encrypted, status, body)
		}
	}
	plain := e.mpTarget(false, "xml")
	plain.BadSignature = true
	bad(plain, accept)
	stale := e.mpTarget(true, "json")
	stale.Timestamp = time.Now().Add(-10 * time.Minute).Unix()
	bad(stale, accept)
	oa := e.oaTarget(true)
	oa.BadSignature = true
	bad(oa, wxfake.FollowEvent(e.wx.AddFollower("u_forged")))
	verify := e.mpTarget(false, "json")
	verify.BadSignature = true
	if err := wxfake.VerifyURL(context.Background(), verify); err == nil {
		t.Fatal("URL verification with a wrong signature echoed")
	}
	var s struct {
		Consent string `json:"notice_consent"`
	}
	e.do("GET", "/api/v1/me/notification-settings", tok, nil).json(t, &s)
	var followers int
	e.db.Get(&followers, `SELECT COUNT(*) FROM wechat_followers`)
	if s.Consent != "none" || followers != 0 {
		t.Fatalf("a refused push was recorded: consent %q, %d followers", s.Consent, followers)
	}
}
