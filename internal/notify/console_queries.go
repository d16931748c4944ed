package notify

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
)

// Counts is how many outbox rows are in each status.
type Counts struct {
	Sent    int `db:"sent" json:"sent"`
	Pending int `db:"pending" json:"pending"` // pending and sending
	Dead    int `db:"dead" json:"dead"`
	Skipped int `db:"skipped" json:"skipped"`
}

// Total is every row counted.
func (c Counts) Total() int { return c.Sent + c.Pending + c.Dead + c.Skipped }

func (c *Counts) add(status string, n int) {
	switch status {
	case StatusSent:
		c.Sent += n
	case StatusPending, StatusSending:
		c.Pending += n
	case StatusDead:
		c.Dead += n
	case StatusSkipped:
		c.Skipped += n
	}
}

// DayCounts are the counts of the messages created on one day (Asia/Shanghai, 2006-01-02).
type DayCounts struct {
	Day string
	Counts
}

// TemplateCounts are the counts of one subscribe-message template.
type TemplateCounts struct {
	TemplateID string
	Counts
}

// Delivery is what the outbox page shows above the list: every row by status, and the rows
// created in the last Days days by day and by template.
type Delivery struct {
	All        Counts
	Days       int
	ByDay      []DayCounts      // newest first
	ByTemplate []TemplateCounts // most rows first
}

// MaxDeliveryDays bounds the days DeliveryCounts looks back.
const MaxDeliveryDays = 92

// china is UTC+8 (Asia/Shanghai has no daylight saving), for grouping by day in SQL.
const china = "+08:00"

// DeliveryCounts counts the outbox: all rows by status (idx_outbox_status_next), and the rows
// created in the last days days (1-92) by day and template (idx_outbox_created).
func (s *Service) DeliveryCounts(ctx context.Context, days int, now time.Time) (Delivery, error) {
	days = min(max(days, 1), MaxDeliveryDays)
	out := Delivery{Days: days}
	var all []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &all, `SELECT status, COUNT(*) AS n FROM outbox GROUP BY status`); err != nil {
		return out, fmt.Errorf("notify: counts: %w", err)
	}
	for _, r := range all {
		out.All.add(r.Status, r.N)
	}
	// Midnight in China days-1 days ago, as UTC.
	local := now.UTC().Add(8 * time.Hour)
	start := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1)).Add(-8 * time.Hour)
	var rows []struct {
		Day      string `db:"day"`
		Template string `db:"template_id"`
		Status   string `db:"status"`
		N        int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, s.db, &rows, `
		SELECT DATE_FORMAT(CONVERT_TZ(created_at, '+00:00', ?), '%Y-%m-%d') AS day,
			COALESCE(JSON_UNQUOTE(JSON_EXTRACT(payload, '$.template_id')), '') AS template_id, status, COUNT(*) AS n
		FROM outbox WHERE created_at >= ?
		GROUP BY day, template_id, status`, china, start); err != nil {
		return out, fmt.Errorf("notify: counts by day: %w", err)
	}
	byDay, byTpl := map[string]*Counts{}, map[string]*Counts{}
	for _, r := range rows {
		if byDay[r.Day] == nil {
			byDay[r.Day] = &Counts{}
		}
		if byTpl[r.Template] == nil {
			byTpl[r.Template] = &Counts{}
		}
		byDay[r.Day].add(r.Status, r.N)
		byTpl[r.Template].add(r.Status, r.N)
	}
	for d, c := range byDay {
		out.ByDay = append(out.ByDay, DayCounts{Day: d, Counts: *c})
	}
	sort.Slice(out.ByDay, func(i, j int) bool { return out.ByDay[i].Day > out.ByDay[j].Day })
	for t, c := range byTpl {
		out.ByTemplate = append(out.ByTemplate, TemplateCounts{TemplateID: t, Counts: *c})
	}
	sort.Slice(out.ByTemplate, func(i, j int) bool {
		a, b := out.ByTemplate[i], out.ByTemplate[j]
		if a.Total() != b.Total() {
			return a.Total() > b.Total()
		}
		return a.TemplateID < b.TemplateID
	})
	return out, nil
}
