package wechat

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"huixiang/internal/testenv"
)

func TestRedisCache_getReturnsStringOrNil_nonPositiveTTLStoresNothing(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	c := &redisCache{rdb: rdb, prefix: prefix, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if v := c.Get("k"); v != nil {
		t.Fatalf("Get of a missing key = %#v, want nil", v)
	}
	c.Set("k", "tok", time.Minute)
	if v, ok := c.Get("k").(string); !ok || v != "tok" {
		t.Fatalf("Get = %#v, want the string", c.Get("k"))
	}
	for _, ttl := range []time.Duration{0, -time.Second} {
		c.Set("k", "stale", ttl)
		if c.IsExist("k") {
			t.Fatalf("TTL %v stored a value (Redis would keep it forever)", ttl)
		}
	}
}
