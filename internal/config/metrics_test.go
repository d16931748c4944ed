package config

import (
	"strings"
	"testing"
)

func TestLoad_metricsAddr(t *testing.T) {
	cfg, err := Load("", env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metrics.Addr != "127.0.0.1:9090" {
		t.Fatalf("default HX_METRICS_ADDR = %q, want 127.0.0.1:9090", cfg.Metrics.Addr)
	}
	for val, ok := range map[string]bool{"off": true, ":9191": true, "10.0.0.5:9090": true, "9090": false, "localhost": false, ":8080": false} {
		e := valid()
		e["HX_METRICS_ADDR"] = val
		cfg, err := Load("", env(e))
		switch {
		case ok && (err != nil || cfg.Metrics.Addr != strings.TrimPrefix(val, "off")):
			t.Errorf("HX_METRICS_ADDR=%q: %v, addr %q", val, err, cfg.Metrics.Addr)
		case !ok && (err == nil || !strings.Contains(err.Error(), "HX_METRICS_ADDR")):
			t.Errorf("HX_METRICS_ADDR=%q: err = %v, want one naming HX_METRICS_ADDR", val, err)
		}
	}
}
