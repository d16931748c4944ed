package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// Filter selects audit rows for staff reading the log. Every field is optional; the time range
// is [From, To) and is bounded by Query (see DefaultSpan, MaxSpan).
type Filter struct {
	ActorName  string // exact username (or the system job's name)
	Action     string // exact action, e.g. staff.update
	TargetType string
	TargetID   string
	From, To   time.Time
}

const (
	// DefaultSpan is the range read when the filter names no start: the last 31 days.
	DefaultSpan = 31 * 24 * time.Hour
	// MaxSpan bounds a range: a year and a day.
	MaxSpan = 367 * 24 * time.Hour
	// MaxCount bounds the counting of a filter's rows: beyond it the total reads "more than".
	MaxCount = 10000
	// MaxExport bounds the rows of one export.
	MaxExport = 10000
)

// ErrBadFilter is a filter value of the wrong form or a range out of bounds.
var ErrBadFilter = errors.New("audit: bad filter")

// Norm fills the range (To: now; From: To minus DefaultSpan) and checks the fields.
func (f Filter) Norm(now time.Time) (Filter, error) {
	f.ActorName, f.Action = strings.TrimSpace(f.ActorName), strings.TrimSpace(f.Action)
	f.TargetType, f.TargetID = strings.TrimSpace(f.TargetType), strings.TrimSpace(f.TargetID)
	if len([]rune(f.ActorName)) > 64 || len(f.Action) > 64 || len(f.TargetType) > 32 || len([]rune(f.TargetID)) > 64 {
		return f, fmt.Errorf("%w: a value is too long", ErrBadFilter)
	}
	for _, s := range []string{f.Action, f.TargetType} {
		for _, r := range s {
			if r < 0x21 || r > 0x7e {
				return f, fmt.Errorf("%w: action and target type are ASCII codes", ErrBadFilter)
			}
		}
	}
	if f.To.IsZero() {
		f.To = now
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-DefaultSpan)
	}
	if !f.From.Before(f.To) {
		return f, fmt.Errorf("%w: the range ends before it starts", ErrBadFilter)
	}
	if f.To.Sub(f.From) > MaxSpan {
		return f, fmt.Errorf("%w: the range is longer than a year", ErrBadFilter)
	}
	f.From, f.To = f.From.UTC(), f.To.UTC()
	return f, nil
}

// where is the filter as SQL. Each exact filter leads one of audit_log's indexes, whose second
// column is occurred_at: idx_audit_actor_name, idx_audit_action, idx_audit_target; with none,
// idx_audit_occurred.
func (f Filter) where() (string, []any) {
	conds := []string{"occurred_at >= ?", "occurred_at < ?"}
	args := []any{f.From, f.To}
	add := func(cond, v string) {
		if v != "" {
			conds, args = append(conds, cond), append(args, v)
		}
	}
	add("actor_name = ?", f.ActorName)
	add("action = ?", f.Action)
	add("target_type = ?", f.TargetType)
	add("target_id = ?", f.TargetID)
	return " WHERE " + strings.Join(conds, " AND "), args
}

const recordColumns = `id, occurred_at, actor_type, actor_id, actor_name, action, target_type, target_id, client_ip, request_id, detail`

// Result is a page of the log. Total is at most MaxCount; More says the filter has more rows.
type Result struct {
	Items    []Record
	Total    int
	Page     int
	PageSize int
	More     bool
}

// Query returns a page of the rows f selects, newest first, with their (bounded) count. f must
// have been normalised (Filter.Norm).
func Query(ctx context.Context, db sqlx.QueryerContext, f Filter, page sqldb.PageRequest) (Result, error) {
	page = page.Norm()
	where, args := f.where()
	var total int
	if err := sqlx.GetContext(ctx, db, &total, `SELECT COUNT(*) FROM (SELECT 1 FROM audit_log`+where+` LIMIT ?) t`,
		append(append([]any{}, args...), MaxCount+1)...); err != nil {
		return Result{}, fmt.Errorf("audit: count: %w", err)
	}
	var rows []Record
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+recordColumns+` FROM audit_log`+where+`
		ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, page.Limit(), page.Offset())...); err != nil {
		return Result{}, fmt.Errorf("audit: query: %w", err)
	}
	return Result{Items: rows, Total: min(total, MaxCount), Page: page.Page, PageSize: page.PageSize, More: total > MaxCount}, nil
}

// Actions lists the actions the log holds (at most 300), for the filter's suggestions; a loose
// scan of idx_audit_action.
func Actions(ctx context.Context, db sqlx.QueryerContext) ([]string, error) {
	var out []string
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT DISTINCT action FROM audit_log ORDER BY action LIMIT 300`); err != nil {
		return nil, fmt.Errorf("audit: actions: %w", err)
	}
	return out, nil
}

// exportRows are the rows f selects for an export, newest first, at most MaxExport.
func exportRows(ctx context.Context, db sqlx.QueryerContext, f Filter) ([]Record, error) {
	where, args := f.where()
	var rows []Record
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+recordColumns+` FROM audit_log`+where+`
		ORDER BY occurred_at DESC, id DESC LIMIT ?`, append(args, MaxExport)...); err != nil {
		return nil, fmt.Errorf("audit: export: %w", err)
	}
	return rows, nil
}
