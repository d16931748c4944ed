package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// lockKeys are the Redis keys of one username's sign-in failures. They share the hash tag of
// the username (its hash, so that no character of it can break the tag), so one script may
// touch them all in a cluster.
type lockKeys struct {
	tag        string
	ip         string
	pairFails  string // sorted set: this address's recent failures for this username
	pairLock   string // set while this address may not sign in as this username
	userFails  string // sorted set: recent failures for this username from any address
	userIPs    string // sorted set: addresses with recent failures (member: IP, score: last)
	accountLck string // set while the username is locked from every address
}

func (s *Service) lockKeys(uname, ip string) lockKeys {
	sum := sha256.Sum256([]byte(uname))
	tag := hex.EncodeToString(sum[:16])
	base := s.prefix + "stafflogin:{" + tag + "}:"
	return lockKeys{tag: tag, ip: ip, pairFails: base + "f:" + ip, pairLock: base + "l:" + ip,
		userFails: base + "uf", userIPs: base + "ips", accountLck: base + "al"}
}

// beginAttemptScript refuses a sign-in while the pair or the username is locked, or while the
// pair's window already holds MaxFailures attempts (failed or still being checked); otherwise it
// reserves the attempt in the pair's window before the password is hashed, so parallel guesses
// cannot all slip in before the first of them is counted. KEYS: pairFails, pairLock, accountLock.
// ARGV: pair window (ms), max pair failures, the attempt's member. Returns 0 or the wait in ms.
var beginAttemptScript = redis.NewScript(`
local wait = math.max(redis.call('PTTL', KEYS[2]), redis.call('PTTL', KEYS[3]))
if wait > 0 then return wait end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lockWin, maxF = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lockWin)
if redis.call('ZCARD', KEYS[1]) >= maxF then
	local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
	return math.max(tonumber(oldest[2]) + lockWin - now, 1)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], lockWin)
return 0
`)

// beginAttempt reserves one attempt of the pair, or says how long it must wait.
func (s *Service) beginAttempt(ctx context.Context, k lockKeys) (member string, wait time.Duration, err error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	member = hex.EncodeToString(b)
	ms, err := beginAttemptScript.Run(ctx, s.rdb, []string{k.pairFails, k.pairLock, k.accountLck},
		s.opt.LockFor.Milliseconds(), s.opt.MaxFailures, member).Int64()
	if err != nil {
		return "", 0, fmt.Errorf("staff: lock check: %w", err)
	}
	return member, time.Duration(ms) * time.Millisecond, nil
}

// recordFailureScript turns a reserved attempt into a failure: it locks the pair when its window
// holds MaxFailures, and logs the failure in the username's window (any address), which locks
// the username when it holds enough failures from enough addresses (the Redis server's clock).
// KEYS: pairFails, pairLock, userFails, userIPs, accountLock. ARGV: pair window = pair lock (ms),
// max pair failures, account window (ms), account failures, account addresses, account lock
// (ms), client IP, the attempt's member. Returns {pair failures, pair locked now, account
// locked now}.
var recordFailureScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lockWin, maxF = tonumber(ARGV[1]), tonumber(ARGV[2])
local acctWin, acctMax, acctIPs, acctLock = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local n = redis.call('ZCARD', KEYS[1])
local pair = 0
if n >= maxF then
	redis.call('SET', KEYS[2], '1', 'PX', lockWin)
	redis.call('DEL', KEYS[1])
	pair = 1
end
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - acctWin)
redis.call('ZADD', KEYS[3], now, ARGV[8])
redis.call('PEXPIRE', KEYS[3], acctWin)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - acctWin)
redis.call('ZADD', KEYS[4], now, ARGV[7])
redis.call('PEXPIRE', KEYS[4], acctWin)
local acct = 0
if acctMax > 0 and redis.call('ZCARD', KEYS[3]) >= acctMax and redis.call('ZCARD', KEYS[4]) >= acctIPs then
	redis.call('SET', KEYS[5], '1', 'PX', acctLock)
	redis.call('DEL', KEYS[3])
	acct = 1
end
return {n, pair, acct}
`)

type failureResult struct {
	pairFailures  int64
	pairLocked    bool
	accountLocked bool
}

func (s *Service) recordFailure(ctx context.Context, k lockKeys, member string) (failureResult, error) {
	o := s.opt
	v, err := recordFailureScript.Run(ctx, s.rdb,
		[]string{k.pairFails, k.pairLock, k.userFails, k.userIPs, k.accountLck},
		o.LockFor.Milliseconds(), o.MaxFailures, o.AccountWindow.Milliseconds(), o.AccountMaxFailures,
		o.AccountMinIPs, o.AccountLockFor.Milliseconds(), k.ip, member).Int64Slice()
	if err != nil || len(v) != 3 {
		return failureResult{}, fmt.Errorf("staff: count failure: %w", err)
	}
	return failureResult{pairFailures: v[0], pairLocked: v[1] == 1, accountLocked: v[2] == 1}, nil
}

// clearLocks forgets every failure and lock of a username: the account-wide ones and those of
// each address that failed recently (all under one hash tag, so one DEL).
func (s *Service) clearLocks(ctx context.Context, uname string) error {
	k := s.lockKeys(uname, "")
	ips, err := s.rdb.ZRange(ctx, k.userIPs, 0, -1).Result()
	if err != nil {
		return fmt.Errorf("staff: unlock: %w", err)
	}
	keys := []string{k.userFails, k.userIPs, k.accountLck}
	for _, ip := range ips {
		pk := s.lockKeys(uname, ip)
		keys = append(keys, pk.pairFails, pk.pairLock)
	}
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("staff: unlock: %w", err)
	}
	return nil
}
