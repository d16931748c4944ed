package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func valid() map[string]string {
	return map[string]string{
		"HX_MYSQL_DSN":     "u:p@tcp(127.0.0.1:3306)/huixiang",
		"HX_WECHAT_APPID":  "wx123",
		"HX_WECHAT_SECRET": "topsecret",
		"HX_PII_KEY":       "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	}
}

func TestLoad_envOverridesFileAndDefaults(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte("http:\n  addr: \":9000\"\nsession:\n  staff_idle: 10m\n"), 0o600)
	e := valid()
	e["HX_SESSION_STAFF_IDLE"] = "45s"
	e["HX_MYSQL_AUTO_MIGRATE"] = "true"
	cfg, err := Load(path, env(e))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != ":9000" || cfg.Session.StaffIdle != 45*time.Second || !cfg.MySQL.AutoMigrate {
		t.Fatalf("got addr=%q idle=%v auto=%v", cfg.HTTP.Addr, cfg.Session.StaffIdle, cfg.MySQL.AutoMigrate)
	}
	if cfg.WeChat.APIBase != "https://api.weixin.qq.com" || cfg.Session.UserTTL != 7*24*time.Hour {
		t.Fatalf("defaults lost: %+v", cfg.WeChat)
	}
}

func TestLoad_badValuesNameTheKey(t *testing.T) {
	cases := map[string]struct {
		key, val, want string
	}{
		"missing pii key":   {"HX_PII_KEY", "", "HX_PII_KEY is required"},
		"short pii key":     {"HX_PII_KEY", "c2hvcnQ=", "HX_PII_KEY must be 32 bytes"},
		"bad duration":      {"HX_SESSION_USER_TTL", "7 days", "HX_SESSION_USER_TTL"},
		"bad bool":          {"HX_MYSQL_AUTO_MIGRATE", "yes please", "HX_MYSQL_AUTO_MIGRATE"},
		"weak admin pw":     {"HX_ADMIN_BOOTSTRAP_PASSWORD", "short1", "HX_ADMIN_BOOTSTRAP_PASSWORD"},
		"missing secret":    {"HX_WECHAT_SECRET", "", "HX_WECHAT_SECRET is required"},
		"bad wechat base":   {"HX_WECHAT_API_BASE", "ftp://x", "HX_WECHAT_API_BASE"},
		"bad number":        {"HX_HTTP_MAX_BODY_BYTES", "1MB", "HX_HTTP_MAX_BODY_BYTES"},
		"unknown log level": {"HX_LOG_LEVEL", "loud", "HX_LOG_LEVEL"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			e := valid()
			e[tc.key] = tc.val
			_, err := Load("", env(e))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
}

func TestLoad_unknownFileKeyRejected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("mysql:\n  dsnn: x\n"), 0o600)
	if _, err := Load(path, env(valid())); err == nil || !strings.Contains(err.Error(), "dsnn") {
		t.Fatalf("err = %v, want the misspelt key named", err)
	}
}

func TestString_masksSecrets(t *testing.T) {
	e := valid()
	e["HX_ADMIN_BOOTSTRAP_PASSWORD"] = "Bootstrap12345"
	cfg, err := Load("", env(e))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.String()
	for _, secret := range []string{"topsecret", "Bootstrap12345", "AAAAAAAA", "u:p@tcp"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() shows a secret %q:\n%s", secret, s)
		}
	}
	if !strings.Contains(s, "HX_WECHAT_APPID=wx123") || !strings.Contains(s, "HX_WECHAT_SECRET=****") {
		t.Errorf("String() = %s", s)
	}
}

func TestValidate_bootstrapPasswordFollowsTheStaffPolicy(t *testing.T) {
	for pw, ok := range map[string]bool{"abcdefghij": false, "Password123": false, "Admin12345pass": false, "Kestrel-2048x": true} {
		e := valid()
		e["HX_ADMIN_BOOTSTRAP_PASSWORD"] = pw
		_, err := Load("", env(e))
		if got := err == nil; got != ok {
			t.Errorf("bootstrap password %q: err = %v, want ok=%v", pw, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestExampleFile_documentsEveryKey keeps configs/config.example.yaml complete and loadable.
func TestExampleFile_documentsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../configs/config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default()
	walk(&cfg, func(env string, _ reflect.StructField, _ reflect.Value) error {
		if !strings.Contains(string(b), env) {
			t.Errorf("config.example.yaml does not mention %s", env)
		}
		return nil
	})
	if _, err := Load("../../configs/config.example.yaml", env(valid())); err != nil {
		t.Fatalf("example does not load: %v", err)
	}
}
