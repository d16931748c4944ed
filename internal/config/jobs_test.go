package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoad_jobsDefaultsAndBadLease(t *testing.T) {
	cfg, err := Load("", env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Jobs.Enabled || cfg.Jobs.Lease != 2*time.Minute {
		t.Fatalf("defaults: %+v, want enabled with a 2m lease", cfg.Jobs)
	}
	e := valid()
	e["HX_JOBS_ENABLED"] = "false"
	e["HX_JOBS_LEASE"] = "30s"
	if cfg, err := Load("", env(e)); err != nil || cfg.Jobs.Enabled || cfg.Jobs.Lease != 30*time.Second {
		t.Fatalf("override: %+v %v", cfg.Jobs, err)
	}
	for _, bad := range []string{"1s", "2h", "0s"} {
		e := valid()
		e["HX_JOBS_LEASE"] = bad
		if _, err := Load("", env(e)); err == nil || !strings.Contains(err.Error(), "HX_JOBS_LEASE") {
			t.Errorf("HX_JOBS_LEASE=%s: err = %v, want one naming it", bad, err)
		}
	}
}
