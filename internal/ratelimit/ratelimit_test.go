package ratelimit_test

import (
	"context"
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

// noScript answers the first pipeline's EVALSHA calls NOSCRIPT without sending them, as a
// Redis that has not loaded the script would (flushing the script cache of the shared test
// Redis would disturb other suites).
type noScript struct{ done atomic.Bool }

type noScriptError struct{}

func (noScriptError) Error() string { return "NOSCRIPT No matching script. Please use EVAL." }
func (noScriptError) RedisError()   {}

func (h *noScript) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *noScript) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}

func (h *noScript) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if cmds[0].Name() != "evalsha" || !h.done.CompareAndSwap(false, true) {
			return next(ctx, cmds)
		}
		for _, c := range cmds {
			c.SetErr(noScriptError{})
		}
		return noScriptError{}
	}
}

// AllowAll asks several counters in one round trip: an event all allow counts under each; an
// event one refuses counts under none (the others' events are taken back), and the refusal is
// the longest wait; a Redis without the script loaded works (NOSCRIPT falls back to EVAL).
func TestAllowAll_countsUnderEach_refusedCountsUnderNone(t *testing.T) {
	rdb, prefix := testenv.Redis(t)
	ctx := t.Context()
	h := &noScript{}
	rdb.AddHook(h)
	l := ratelimit.New(rdb, prefix)
	user := ratelimit.Rule{Name: "user", Limit: 2, Window: time.Minute}
	ip := ratelimit.Rule{Name: "ip", Limit: 5, Window: 2 * time.Minute}
	checks := []ratelimit.Check{{Rule: user, Key: "u1"}, {Rule: ip, Key: "1.2.3.4"}, {Rule: ratelimit.Rule{Name: "off"}, Key: "x"}}
	for i := range 2 {
		if err := l.AllowAll(ctx, checks...); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	count := func(r ratelimit.Rule, key string) int64 { return rdb.ZCard(ctx, l.Key(r, key)).Val() }
	if u, i := count(user, "u1"), count(ip, "1.2.3.4"); u != 2 || i != 2 || !h.done.Load() {
		t.Fatalf("counted %d (user) and %d (ip), want 2 and 2 (NOSCRIPT answered: %v)", u, i, h.done.Load())
	}
	err := l.AllowAll(ctx, checks...)
	var le *ratelimit.LimitedError
	if !errors.As(err, &le) || le.RetryAfter <= 0 || le.RetryAfter > user.Window {
		t.Fatalf("3rd event of the user: %v", err)
	}
	if u, i := count(user, "u1"), count(ip, "1.2.3.4"); u != 2 || i != 2 {
		t.Fatalf("after a refusal: %d (user) and %d (ip), want 2 and 2 (the address's event taken back)", u, i)
	}
	// Other users at the address count until the address is full.
	for i := range 3 {
		if err := l.AllowAll(ctx, ratelimit.Check{Rule: user, Key: "u" + string(rune('2'+i))}, ratelimit.Check{Rule: ip, Key: "1.2.3.4"}); err != nil {
			t.Fatalf("user %d: %v", i+2, err)
		}
	}
	err = l.AllowAll(ctx, ratelimit.Check{Rule: user, Key: "u9"}, ratelimit.Check{Rule: ip, Key: "1.2.3.4"})
	if !errors.As(err, &le) || le.RetryAfter <= user.Window || le.RetryAfter > ip.Window {
		t.Fatalf("address full: %v, want the address's wait", err)
	}
	if n := count(user, "u9"); n != 0 {
		t.Fatalf("refused by the address, the user's counter holds %d, want 0", n)
	}
	if err := l.AllowAll(ctx); err != nil {
		t.Fatalf("no checks: %v", err)
	}
}
