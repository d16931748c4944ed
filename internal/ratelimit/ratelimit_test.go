package ratelimit_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"huixiang/internal/ratelimit"
	"huixiang/internal/testenv"
)

func TestAllow_refusesOverLimit_thenSlides(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	l := ratelimit.New(rdb, prefix)
	rule := ratelimit.Rule{Name: "t", Limit: 3, Window: 600 * time.Millisecond}
	ctx := t.Context()
	for i := range 3 {
		if err := l.Allow(ctx, rule, "a"); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	err := l.Allow(ctx, rule, "a")
	var le *ratelimit.LimitedError
	if !errors.As(err, &le) || !errors.Is(err, ratelimit.ErrLimited) || le.RetryAfter <= 0 || le.RetryAfter > rule.Window {
		t.Fatalf("4th event: %v", err)
	}
	// Another key has its own counter; refused events are not logged.
	if err := l.Allow(ctx, rule, "b"); err != nil {
		t.Fatal(err)
	}
	if n := rdb.ZCard(ctx, l.Key(rule, "a")).Val(); n != 3 {
		t.Fatalf("set holds %d events, want 3", n)
	}
	time.Sleep(le.RetryAfter + 20*time.Millisecond)
	if err := l.Allow(ctx, rule, "a"); err != nil {
		t.Fatalf("after the window slid: %v", err)
	}
	if ttl := rdb.PTTL(ctx, l.Key(rule, "a")).Val(); ttl <= 0 || ttl > rule.Window {
		t.Fatalf("key TTL = %v", ttl)
	}
}

func TestAllow_parallelEventsNeverExceedLimit(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	l := ratelimit.New(rdb, prefix)
	rule := ratelimit.Rule{Name: "p", Limit: 10, Window: time.Minute}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if l.Allow(t.Context(), rule, "k") == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 10 {
		t.Fatalf("allowed %d of 50, want 10", ok.Load())
	}
}

func TestAllow_redisDown_failsClosed(t *testing.T) {
	proxy := testenv.NewProxy(t, testenv.RedisAddr())
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{proxy.Addr()},
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	l := ratelimit.New(rdb, "hxtest:down:")
	proxy.Cut()
	err := l.Allow(t.Context(), ratelimit.Rule{Name: "d", Limit: 5, Window: time.Minute}, "x")
	if err == nil || errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("Allow with Redis down = %v, want a dependency error", err)
	}
}

func TestAllow_zeroLimitIsOff(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	l := ratelimit.New(rdb, prefix)
	for range 5 {
		if err := l.Allow(t.Context(), ratelimit.Rule{Name: "off", Limit: 0, Window: time.Minute}, "x"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAllow_eventsThatLeftTheWindowStopCounting_whenTheSetIsFull: events older than the window
// stay in the set until it fills up (trimming is skipped below the limit); then they are removed
// before the decision, so the limit still counts only the window's events.
func TestAllow_eventsThatLeftTheWindowStopCounting_whenTheSetIsFull(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	l := ratelimit.New(rdb, prefix)
	rule := ratelimit.Rule{Name: "stale", Limit: 3, Window: 300 * time.Millisecond}
	ctx := t.Context()
	for i := range 2 {
		if err := l.Allow(ctx, rule, "k"); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	time.Sleep(rule.Window + 50*time.Millisecond) // both events left the window
	for i := range 3 {
		if err := l.Allow(ctx, rule, "k"); err != nil {
			t.Fatalf("event %d after the window slid: %v", i, err)
		}
	}
	if err := l.Allow(ctx, rule, "k"); !errors.Is(err, ratelimit.ErrLimited) {
		t.Fatalf("4th event within the window: %v, want refused", err)
	}
	if n := rdb.ZCard(ctx, l.Key(rule, "k")).Val(); n != 3 {
		t.Fatalf("set holds %d events, want 3 (the stale ones trimmed)", n)
	}
}
