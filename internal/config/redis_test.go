package config

import (
	"strings"
	"testing"
)

// TestLoad_redisKeyPrefixWithBraces_refused: a brace in the prefix would become the Redis
// Cluster hash tag of every key and put the per-user tags after it out of effect.
func TestLoad_redisKeyPrefixWithBraces_refused(t *testing.T) {
	for _, p := range []string{"hx:{a}:", "hx:{", "hx}:"} {
		e := valid()
		e["HX_REDIS_KEY_PREFIX"] = p
		if _, err := Load("", env(e)); err == nil || !strings.Contains(err.Error(), "HX_REDIS_KEY_PREFIX") {
			t.Errorf("prefix %q: err = %v, want one naming HX_REDIS_KEY_PREFIX", p, err)
		}
	}
	e := valid()
	e["HX_REDIS_KEY_PREFIX"] = "hx:5cf70717:" // what scripts/services.sh writes per checkout
	cfg, err := Load("", env(e))
	if err != nil || cfg.Redis.KeyPrefix != "hx:5cf70717:" {
		t.Fatalf("per-checkout prefix: %v %q", err, cfg.Redis.KeyPrefix)
	}
}
