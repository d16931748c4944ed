// Package vocab holds the option lists staff may change without a release: intended fields,
// needs, skill tags, education levels, business types.
package vocab

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// Item is one option.
type Item struct {
	Kind  string `db:"kind" json:"-"`
	Code  string `db:"code" json:"code"`
	Label string `db:"label" json:"label"`
}

// Lists maps a kind to its active options, in display order.
type Lists map[string][]Item

// Has reports whether code is an active option of kind.
func (l Lists) Has(kind, code string) bool {
	for _, it := range l[kind] {
		if it.Code == code {
			return true
		}
	}
	return false
}

// Label returns the label of code in kind, or the code itself.
func (l Lists) Label(kind, code string) string {
	for _, it := range l[kind] {
		if it.Code == code {
			return it.Label
		}
	}
	return code
}

// Load reads every active option.
func Load(ctx context.Context, db sqlx.QueryerContext) (Lists, error) {
	var items []Item
	err := sqlx.SelectContext(ctx, db, &items, `SELECT kind, code, label FROM option_items WHERE active ORDER BY kind, sort_order, code`)
	if err != nil {
		return nil, fmt.Errorf("vocab: load: %w", err)
	}
	out := Lists{}
	for _, it := range items {
		out[it.Kind] = append(out[it.Kind], it)
	}
	return out, nil
}

// Cache keeps the option lists in process for at most its max age (see sqldb.Cached): the
// forms validate against them on every save without reading MySQL each time. Staff change the
// lists in MySQL; every process sees the change within the max age.
type Cache struct {
	c *sqldb.Cached[Lists]
	// seen is the change generation (see manage.go) the kept lists were read after.
	seen atomic.Uint64
}

// NewCache returns a Cache reading db, keeping the lists for maxAge (0: reads on every use).
func NewCache(db sqlx.QueryerContext, maxAge time.Duration) *Cache {
	return &Cache{c: sqldb.NewCached(maxAge, func(ctx context.Context) (Lists, error) { return Load(ctx, db) })}
}

// Lists returns the active options. The lists are shared: callers must not change them.
func (c *Cache) Lists(ctx context.Context) (Lists, error) {
	if g := generation.Load(); c.seen.Load() != g {
		c.seen.Store(g)
		c.c.Invalidate() // an option changed in this process since the lists were read
	}
	return c.c.Get(ctx)
}

// Invalidate drops the kept lists after a change through this process.
func (c *Cache) Invalidate() { c.c.Invalidate() }
