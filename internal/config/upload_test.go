package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoad_upload(t *testing.T) {
	cfg, err := Load("", env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upload.Dir != "./var/uploads" || cfg.Upload.MaxBytes != 10485760 || cfg.Upload.URLTTL != 10*time.Minute || cfg.UploadURLKey() != nil {
		t.Fatalf("defaults: %+v", cfg.Upload)
	}
	if cfg.Upload.DailyFiles != 50 || cfg.Upload.DailyBytes != 100<<20 || cfg.Upload.UnattachedTTL != 24*time.Hour {
		t.Fatalf("quota defaults: %+v", cfg.Upload)
	}
	e := valid()
	e["HX_UPLOAD_DIR"] = "/srv/huixiang/uploads"
	e["HX_UPLOAD_MAX_BYTES"] = "5242880"
	e["HX_UPLOAD_URL_KEY"] = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=" // 32 × 'B'
	e["HX_UPLOAD_URL_TTL"] = "5m"
	e["HX_UPLOAD_FILE_KEY"] = "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=" // 32 × 'C'
	cfg, err = Load("", env(e))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Upload.Dir != "/srv/huixiang/uploads" || cfg.Upload.MaxBytes != 5<<20 || cfg.Upload.URLTTL != 5*time.Minute ||
		string(cfg.UploadURLKey()) != strings.Repeat("B", 32) {
		t.Fatalf("from env: %+v", cfg.Upload)
	}
	if out := cfg.String(); strings.Contains(out, e["HX_UPLOAD_URL_KEY"]) || !strings.Contains(out, "HX_UPLOAD_URL_KEY=****") {
		t.Fatal("HX_UPLOAD_URL_KEY printed")
	}
	if out := cfg.String(); strings.Contains(out, e["HX_UPLOAD_FILE_KEY"]) || !strings.Contains(out, "HX_UPLOAD_FILE_KEY=****") ||
		string(cfg.UploadFileKey()) != strings.Repeat("C", 32) {
		t.Fatal("HX_UPLOAD_FILE_KEY printed or not decoded")
	}
	for key, val := range map[string]string{
		"HX_UPLOAD_URL_KEY":        "c2hvcnQ=",
		"HX_UPLOAD_URL_TTL":        "0s",
		"HX_UPLOAD_MAX_BYTES":      "-1",
		"HX_UPLOAD_URL_BASE":       "api.example.cn",
		"HX_UPLOAD_DAILY_FILES":    "0",
		"HX_UPLOAD_DAILY_BYTES":    "1024",
		"HX_UPLOAD_UNATTACHED_TTL": "10m",
		"HX_UPLOAD_FILE_KEY":       "c2hvcnQ=",
	} {
		e := valid()
		e[key] = val
		if _, err := Load("", env(e)); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%s: err = %v, want it named", key, val, err)
		}
	}
}
