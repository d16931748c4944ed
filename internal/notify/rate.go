package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedRate paces sends at one rate for all the replicas that share a Redis: WeChat's quota is
// per app, not per process. It is a token bucket holding one token (the generic cell rate
// algorithm): a script on Redis's own clock hands each caller the next free slot, rate⁻¹ after
// the one before, and the caller sleeps until its slot. Slots are spaced evenly whatever the
// number of callers, so N replicas together send at the rate, not N times it.
//
// A slot taken by a caller that then stops is lost, which only slows sending a little. If Redis
// is down, Wait fails and the worker stops claiming until it is back: MySQL keeps the rows.
type SharedRate struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration
}

// NewSharedRate paces at perSecond sends per second under key (hash-tagged by the caller's
// prefix if it wants; one key is one slot).
func NewSharedRate(rdb redis.UniversalClient, key string, perSecond float64) *SharedRate {
	return &SharedRate{rdb: rdb, key: key, interval: time.Duration(float64(time.Second) / perSecond)}
}

// nextSlot returns how many microseconds the caller must wait for its slot. The theoretical
// arrival time (tat) is the next free slot; a caller who comes after it sends at once.
var nextSlot = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.floor((tat + interval - now) / 1000) + 1000)
return tat - now
`)

// Wait blocks until the caller's slot.
func (r *SharedRate) Wait(ctx context.Context) error {
	us, err := nextSlot.Run(ctx, r.rdb, []string{r.key}, r.interval.Microseconds()).Int64()
	if err != nil {
		return fmt.Errorf("notify: shared rate: %w", err)
	}
	if us <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(us) * time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
