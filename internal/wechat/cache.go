package wechat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCache adapts our go-redis v9 client to the SDK's cache.ContextCache, so that every replica
// shares one access token. (The SDK's own Redis cache pulls in go-redis v8.)
type redisCache struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

// Get returns the string stored at key, or nil: the SDK type-asserts the result to string.
func (c *redisCache) Get(key string) any { return c.GetContext(context.Background(), key) }

// GetContext is Get with a context.
func (c *redisCache) GetContext(ctx context.Context, key string) any {
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			c.log.WarnContext(ctx, "wechat token cache read failed", "error", err)
		}
		return nil
	}
	return v
}

// Set stores val for timeout. A timeout ≤ 0 stores nothing: to Redis it would mean "forever",
// and a token that WeChat says is already about to expire must not be kept at all.
func (c *redisCache) Set(key string, val any, timeout time.Duration) error {
	return c.SetContext(context.Background(), key, val, timeout)
}

// SetContext is Set with a context. A failed write is logged, not returned: the token just
// fetched is still good for this call.
func (c *redisCache) SetContext(ctx context.Context, key string, val any, timeout time.Duration) error {
	if timeout <= 0 {
		c.rdb.Del(ctx, c.prefix+key)
		return nil
	}
	if err := c.rdb.Set(ctx, c.prefix+key, fmt.Sprint(val), timeout).Err(); err != nil {
		c.log.WarnContext(ctx, "wechat token cache write failed", "error", err)
	}
	return nil
}

// IsExist reports whether key is cached.
func (c *redisCache) IsExist(key string) bool { return c.IsExistContext(context.Background(), key) }

// IsExistContext is IsExist with a context.
func (c *redisCache) IsExistContext(ctx context.Context, key string) bool {
	n, err := c.rdb.Exists(ctx, c.prefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key.
func (c *redisCache) Delete(key string) error { return c.DeleteContext(context.Background(), key) }

// DeleteContext is Delete with a context.
func (c *redisCache) DeleteContext(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, c.prefix+key).Err()
}
