package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoad_notifyDefaultsAndBadValues(t *testing.T) {
	cfg, err := Load("", env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	want := Notify{ProgressTemplateID: "TMPL_APPLICATION_PROGRESS", Workers: 2, Rate: 20, MaxAttempts: 8, Lease: 30 * time.Second,
		NoticeTemplateID: "TMPL_POLICY_NOTICE", NoticeLongTerm: true, OATemplateID: "TMPL_OA_POLICY_NOTICE", WeeklyCap: 3, QuietFrom: 22, QuietTo: 8}
	if cfg.Notify != want {
		t.Fatalf("defaults = %+v", cfg.Notify)
	}
	cases := map[string]struct{ key, val string }{
		"lease under 4 WeChat timeouts":  {"HX_NOTIFY_LEASE", "10s"},
		"negative rate":                  {"HX_NOTIFY_RATE", "-1"},
		"no attempts":                    {"HX_NOTIFY_MAX_ATTEMPTS", "0"},
		"too many workers":               {"HX_NOTIFY_WORKERS", "1000"},
		"template id too long":           {"HX_NOTIFY_PROGRESS_TEMPLATE_ID", strings.Repeat("x", 129)},
		"cap out of range":               {"HX_NOTIFY_WEEKLY_CAP", "-1"},
		"quiet hour out of range":        {"HX_NOTIFY_QUIET_FROM", "24"},
		"callback key not 43":            {"HX_WECHAT_CALLBACK_AES_KEY", "short"},
		"official account without token": {"HX_WECHAT_OA_APPID", "wxoa1"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := valid()
			e[tc.key] = tc.val
			if _, err := Load("", env(e)); err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("err = %v, want one naming %s", err, tc.key)
			}
		})
	}
}
