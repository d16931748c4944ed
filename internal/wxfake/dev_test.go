package wxfake_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"huixiang/internal/wxfake"
)

// TestSubscribeSend_consentAuto_acceptsKnownUsersWithoutGrants: in dev (make run passes
// -consent auto) a send to a signed-in user is accepted though nobody granted a consent through
// the stand-in, again and again, and the counted consents stay untouched; an unknown openid and
// an unregistered template are still refused.
func TestSubscribeSend_consentAuto_acceptsKnownUsersWithoutGrants(t *testing.T) {
	c := newClock()
	fake := wxfake.New(wxfake.Options{AppID: appID, Secret: secret, Now: c.Now, ConsentAuto: true})
	ts := httptest.NewServer(fake)
	t.Cleanup(ts.Close)
	e := &env{t: t, fake: fake, ts: ts, clock: c}
	tok := e.token()
	const tmpl = "TMPL_APPLICATION_PROGRESS"
	e.fake.RegisterTemplate(tmpl, "thing1")
	want(t, e.login(e.fake.IssueLoginCode("o_dev", "")), 0)
	msg := func(to, template string) map[string]any {
		return map[string]any{"touser": to, "template_id": template, "miniprogram_state": "developer", "lang": "zh_CN",
			"data": map[string]any{"thing1": map[string]string{"value": "申请已受理"}}}
	}
	for range 3 {
		want(t, e.withToken(wxfake.PathSubscribeSend, tok, msg("o_dev", tmpl)), 0)
	}
	if n := len(e.fake.Sent()); n != 3 {
		t.Fatalf("sent = %d, want 3", n)
	}
	if n := e.fake.Consent("o_dev", tmpl); n != 0 {
		t.Fatalf("consent count = %d, want 0 (auto mode neither needs nor spends grants)", n)
	}
	want(t, e.withToken(wxfake.PathSubscribeSend, tok, msg("o_stranger", tmpl)), wxfake.ErrInvalidOpenID)
	want(t, e.withToken(wxfake.PathSubscribeSend, tok, msg("o_dev", "TMPL_UNKNOWN")), wxfake.ErrInvalidTemplateID)
	if r := e.do("GET", "/__fake/", nil, nil); r.str("consent") != "auto" {
		t.Fatalf("GET /__fake/ consent = %q, want auto: %s", r.str("consent"), r.raw)
	}

	t.Run("counted mode (the default) still refuses without a grant", func(t *testing.T) {
		e := newEnv(t)
		tok := e.token()
		e.fake.RegisterTemplate(tmpl, "thing1")
		want(t, e.login(e.fake.IssueLoginCode("o_dev", "")), 0)
		want(t, e.withToken(wxfake.PathSubscribeSend, tok, msg("o_dev", tmpl)), wxfake.ErrUserRefused)
	})
}

// TestAdminIndex_listsEveryControlEndpoint: GET /__fake/ (and /__fake) lists the control API,
// and every endpoint it lists answers (none is the "unknown admin endpoint" 404).
func TestAdminIndex_listsEveryControlEndpoint(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/__fake/", "/__fake"} {
		r := e.do("GET", path, nil, nil)
		if r.status != 200 || r.str("consent") != "counted" || r.str("appid") != appID {
			t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
		}
		eps, _ := r.body["endpoints"].([]any)
		if len(eps) != len(wxfake.AdminEndpoints) {
			t.Fatalf("GET %s lists %d endpoints, want %d", path, len(eps), len(wxfake.AdminEndpoints))
		}
	}
	for _, need := range []string{"/__fake/login-code", "/__fake/phone-code", "/__fake/consent", "/__fake/messages"} {
		found := false
		for _, ep := range wxfake.AdminEndpoints {
			found = found || ep.Path == need
		}
		if !found {
			t.Errorf("%s missing from the index", need)
		}
	}
	for _, ep := range wxfake.AdminEndpoints {
		method, _, _ := strings.Cut(ep.Methods, ",")
		r := e.do(method, ep.Path, nil, nil)
		if r.status == 404 || strings.Contains(r.raw, "unknown admin endpoint") {
			t.Errorf("%s %s listed but unknown: %d %s", method, ep.Path, r.status, r.raw)
		}
	}
	if r := e.do("GET", "/__fake/nope", nil, nil); r.status != 404 {
		t.Fatalf("GET /__fake/nope = %d, want 404", r.status)
	}
}
