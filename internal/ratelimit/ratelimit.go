// Package ratelimit counts events in Redis over a sliding window and refuses the ones over a
// limit. It keeps the servers stateless: every replica counts in the same keys.
package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLimited is what a refused event's error matches (errors.Is).
var ErrLimited = errors.New("ratelimit: too many requests")

// LimitedError is a refusal: the caller may try again after RetryAfter.
type LimitedError struct{ RetryAfter time.Duration }

func (e *LimitedError) Error() string {
	return "ratelimit: too many requests, retry after " + e.RetryAfter.String()
}

// Unwrap makes errors.Is(err, ErrLimited) true.
func (e *LimitedError) Unwrap() error { return ErrLimited }

// Rule is a limit: at most Limit events per Window for one key. Name separates the counters of
// different rules; a Limit ≤ 0 switches the rule off.
type Rule struct {
	Name   string
	Limit  int
	Window time.Duration
}

// Limiter checks rules against counters in Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
	// member and seq make each event's member of the set: unique is all it must be (a random
	// per-Limiter prefix keeps replicas apart, the counter events), so no randomness per event.
	member string
	seq    atomic.Uint64
}

// New returns a Limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return &Limiter{rdb: rdb, prefix: prefix, member: hex.EncodeToString(b) + ":"}
}

// slidingWindow is a log of the window's events in one sorted set (score: milliseconds of the
// Redis server's clock, so that replicas with skewed clocks agree). A refused event is not
// logged, so a flood cannot grow the set beyond the limit, and the refusal says when the oldest
// event leaves the window. One key per call: cluster-safe without a hash tag.
//
// Events that left the window are removed only when the set is full: while it holds fewer than
// the limit, the window (a subset) does too, so the event is allowed without trimming, one
// command less on the common path. The set still never holds more than the limit, and a full set
// is trimmed before the decision, so the answers are those of trimming on every call.
//
// KEYS[1] the set; ARGV: window ms, limit, a unique member. Returns 0 (allowed) or the wait in ms.
var slidingWindow = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
	n = n - redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
	if n >= limit then
		local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
		local wait = tonumber(oldest[2]) + window - now
		if wait < 1 then wait = 1 end
		return wait
	end
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 0
`)

// Key is the Redis key of rule's counter for key (exported for tests and operators).
func (l *Limiter) Key(r Rule, key string) string {
	return l.prefix + "rl:" + r.Name + ":" + key
}

// Allow counts one event of key under r, or refuses it with a *LimitedError when the window
// already holds r.Limit events. When Redis cannot be reached it returns that error: callers fail
// closed (the request is answered 503) rather than run without a limit.
func (l *Limiter) Allow(ctx context.Context, r Rule, key string) error {
	if r.Limit <= 0 || r.Window <= 0 {
		return nil
	}
	member := l.member + strconv.FormatUint(l.seq.Add(1), 36)
	wait, err := slidingWindow.Run(ctx, l.rdb, []string{l.Key(r, key)},
		r.Window.Milliseconds(), r.Limit, member).Int64()
	if err != nil {
		return fmt.Errorf("ratelimit: %s: %w", r.Name, err)
	}
	if wait > 0 {
		return &LimitedError{RetryAfter: time.Duration(wait) * time.Millisecond}
	}
	return nil
}

// Check is one rule and key of AllowAll.
type Check struct {
	Rule Rule
	Key  string
}

// AllowAll counts one event under each check, in one round trip (a pipeline: the counters may
// live on different cluster nodes), or refuses it. When any check refuses, the events the
// others counted are taken back (one more round trip, on refusals only), so a refused event
// counts under no rule, and the refusal returned is the one with the longest wait. Redis errors
// fail closed, as in Allow.
func (l *Limiter) AllowAll(ctx context.Context, checks ...Check) error {
	type run struct {
		key, member string
		rule        Rule
		cmd         *redis.Cmd
	}
	runs := make([]run, 0, len(checks))
	for _, c := range checks {
		if c.Rule.Limit <= 0 || c.Rule.Window <= 0 {
			continue
		}
		runs = append(runs, run{key: l.Key(c.Rule, c.Key), member: l.member + strconv.FormatUint(l.seq.Add(1), 36), rule: c.Rule})
	}
	if len(runs) == 0 {
		return nil
	}
	exec := func(sha bool) error {
		_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range runs {
				r := &runs[i]
				if sha {
					r.cmd = slidingWindow.EvalSha(ctx, p, []string{r.key}, r.rule.Window.Milliseconds(), r.rule.Limit, r.member)
				} else if r.cmd.Err() != nil {
					r.cmd = slidingWindow.Eval(ctx, p, []string{r.key}, r.rule.Window.Milliseconds(), r.rule.Limit, r.member)
				}
			}
			return nil
		})
		return err
	}
	if err := exec(true); err != nil {
		if !redis.HasErrorPrefix(err, "NOSCRIPT") {
			return fmt.Errorf("ratelimit: %w", err)
		}
		// The script is not loaded (on some node): the failed calls again, with its source.
		if err := exec(false); err != nil {
			return fmt.Errorf("ratelimit: %w", err)
		}
	}
	var refused *LimitedError
	for _, r := range runs {
		wait, err := r.cmd.Int64()
		if err != nil {
			return fmt.Errorf("ratelimit: %s: %w", r.rule.Name, err)
		}
		if wait > 0 && (refused == nil || time.Duration(wait)*time.Millisecond > refused.RetryAfter) {
			refused = &LimitedError{RetryAfter: time.Duration(wait) * time.Millisecond}
		}
	}
	if refused == nil {
		return nil
	}
	_, err := l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, r := range runs {
			if w, _ := r.cmd.Int64(); w == 0 {
				p.ZRem(ctx, r.key, r.member)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ratelimit: take back: %w", err)
	}
	return refused
}

// Reset forgets key's events under r (an administrator lifted a block).
func (l *Limiter) Reset(ctx context.Context, r Rule, key string) error {
	return l.rdb.Del(ctx, l.Key(r, key)).Err()
}

// IDKey formats a numeric subject (a user ID) as a key.
func IDKey(id int64) string { return strconv.FormatInt(id, 10) }
