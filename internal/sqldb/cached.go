package sqldb

import (
	"context"
	"sync"
	"time"
)

// Cached is a small table's content read from MySQL and kept in process for at most MaxAge, so
// that a hot path does not read the same option lists or regions on every request. MySQL stays
// the truth: Invalidate drops the copy at once after a change through this process, and a change
// made anywhere else (another replica, SQL) is seen within MaxAge, when the copy is read again.
// A MaxAge of 0 reads on every Get.
type Cached[T any] struct {
	load   func(ctx context.Context) (T, error)
	maxAge time.Duration
	now    func() time.Time

	// mu is held while loading: concurrent Gets of a stale copy wait for one load instead of
	// each reading MySQL, and Invalidate waits for a load in flight, so the copy it drops is
	// never one read before the change.
	mu  sync.Mutex
	val T
	at  time.Time
	ok  bool
}

// NewCached returns a Cached that reads with load and keeps the result for maxAge.
func NewCached[T any](maxAge time.Duration, load func(ctx context.Context) (T, error)) *Cached[T] {
	return &Cached[T]{load: load, maxAge: maxAge, now: time.Now}
}

// Get returns the kept copy, or reads a new one when there is none or it is older than MaxAge.
func (c *Cached[T]) Get(ctx context.Context) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.now().Sub(c.at) < c.maxAge {
		return c.val, nil
	}
	at := c.now()
	v, err := c.load(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.val, c.at, c.ok = v, at, true
	return v, nil
}

// Invalidate drops the kept copy: the next Get reads MySQL.
func (c *Cached[T]) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero T
	c.val, c.ok = zero, false
}
