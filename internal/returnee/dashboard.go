package returnee

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/cn"
)

// Dashboard is what the staff console's home page shows of the registry, in the actor's scope
// (township staff: their township only; the scope is in every statement's WHERE).
type Dashboard struct {
	// StaleDays is the freshness window; Stale counts the records not confirmed or updated in it.
	StaleDays int
	Stale     int
	// ClaimDays is the window of RecentClaims: records staff entered that a WeChat user claimed.
	ClaimDays    int
	RecentClaims int
	// Months are the last DashboardMonths months (Asia/Shanghai, "2006-01"), oldest first;
	// Registrations counts the records created in each, by township.
	Months        []string
	Registrations []TownshipMonths
	// Intentions counts the records by startup intention, Fields by intended field (a record
	// may name several), both with their Chinese labels, in the option lists' order.
	Intentions []LabelCount
	Fields     []LabelCount
}

// TownshipMonths is one township's registrations per month (aligned with Dashboard.Months).
type TownshipMonths struct {
	TownshipCode string
	TownshipName string
	Counts       []int
}

// LabelCount is a count with its option code and label.
type LabelCount struct {
	Code  string
	Label string
	Count int
}

// DashboardMonths is how many months the registrations chart covers.
const DashboardMonths = 12

// dashboardClaimDays is the window of the recent claims count.
const dashboardClaimDays = 30

// intentionOrder is the order the intentions are shown in.
var intentionOrder = []string{"started", "preparing", "considering", "none"}

// Dashboard counts the registry for the actor's home page.
func (s *Service) Dashboard(ctx context.Context, a actor.Actor) (Dashboard, error) {
	// Whole milliseconds: a time with nanoseconds is interpolated with nine fractional digits,
	// which MariaDB does not read as an index range (see TestDashboardQueries_readIndexes).
	now := s.now().Truncate(time.Millisecond)
	out := Dashboard{StaleDays: s.freshDays, ClaimDays: dashboardClaimDays,
		Registrations: []TownshipMonths{}, Intentions: []LabelCount{}, Fields: []LabelCount{}}
	town := a.ScopeTownship()
	lists, err := s.options.Lists(ctx)
	if err != nil {
		return out, err
	}

	staleBefore := now.UTC().Add(-time.Duration(s.freshDays) * 24 * time.Hour)
	if out.Stale, err = countStale(ctx, s.db, town, staleBefore); err != nil {
		return out, err
	}
	claimedSince := now.UTC().Add(-dashboardClaimDays * 24 * time.Hour)
	if out.RecentClaims, err = countRecentClaims(ctx, s.db, town, claimedSince); err != nil {
		return out, err
	}

	local := now.In(cn.Zone)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, cn.Zone).AddDate(0, -(DashboardMonths - 1), 0)
	idx := map[string]int{}
	for i := range DashboardMonths {
		m := first.AddDate(0, i, 0).Format("2006-01")
		idx[m] = i
		out.Months = append(out.Months, m)
	}
	regs, err := registrationsByMonth(ctx, s.db, town, first.UTC())
	if err != nil {
		return out, err
	}
	byTown := map[string]int{}
	for _, r := range regs {
		i, ok := idx[r.Month]
		if !ok {
			continue
		}
		t, ok := byTown[r.Township]
		if !ok {
			t = len(out.Registrations)
			byTown[r.Township] = t
			name := r.Name
			if name == "" {
				name = r.Township
			}
			out.Registrations = append(out.Registrations, TownshipMonths{TownshipCode: r.Township, TownshipName: name, Counts: make([]int, DashboardMonths)})
		}
		out.Registrations[t].Counts[i] += r.Count
	}

	intent, err := countByIntention(ctx, s.db, town)
	if err != nil {
		return out, err
	}
	for _, code := range intentionOrder {
		if n := intent[code]; n > 0 {
			out.Intentions = append(out.Intentions, LabelCount{Code: code, Label: intentionLabels[code], Count: n})
		}
	}

	fields, err := countTags(ctx, s.db, town, tagField)
	if err != nil {
		return out, err
	}
	for _, it := range lists["intended_field"] {
		if n := fields[it.Code]; n > 0 {
			out.Fields = append(out.Fields, LabelCount{Code: it.Code, Label: it.Label, Count: n})
			delete(fields, it.Code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(fields)) { // an option retired since: its code
		out.Fields = append(out.Fields, LabelCount{Code: code, Label: code, Count: fields[code]})
	}
	return out, nil
}

// scoped adds "AND r.township_code = ?" when the scope is one township.
func scoped(q string, args []any, township string) (string, []any) {
	if township == "" {
		return q, args
	}
	return q + ` AND r.township_code = ?`, append(args, township)
}

// countStale counts the records last confirmed or updated before t (index on township_code,
// confirmed_at).
func countStale(ctx context.Context, db sqlx.QueryerContext, township string, before time.Time) (int, error) {
	q, args := scoped(`SELECT COUNT(*) FROM returnees r WHERE r.confirmed_at < ?`, []any{before}, township)
	var n int
	if err := sqlx.GetContext(ctx, db, &n, q, args...); err != nil {
		return 0, fmt.Errorf("returnee: dashboard stale: %w", err)
	}
	return n, nil
}

// countRecentClaims counts the records staff entered or imported that a WeChat user claimed
// since t (index on persons.claimed_at).
func countRecentClaims(ctx context.Context, db sqlx.QueryerContext, township string, since time.Time) (int, error) {
	q := `SELECT COUNT(*) FROM persons p`
	args := []any{}
	if township != "" {
		q += ` JOIN returnees r ON r.person_id = p.id AND r.township_code = ?`
		args = append(args, township)
	}
	q += ` WHERE p.claimed_at >= ? AND p.created_source <> 'self'`
	args = append(args, since)
	var n int
	if err := sqlx.GetContext(ctx, db, &n, q, args...); err != nil {
		return 0, fmt.Errorf("returnee: dashboard claims: %w", err)
	}
	return n, nil
}

type monthCountRow struct {
	Township string `db:"township_code"`
	Name     string `db:"township_name"`
	Month    string `db:"month"`
	Count    int    `db:"n"`
}

// registrationsByMonth counts the records created since t by township and month in Beijing
// time (index on created_at, township_code).
func registrationsByMonth(ctx context.Context, db sqlx.QueryerContext, township string, since time.Time) ([]monthCountRow, error) {
	q, args := scoped(`SELECT r.township_code, COALESCE(t.name, '') AS township_name,
		DATE_FORMAT(CONVERT_TZ(r.created_at, '+00:00', '`+cn.ZoneOffset+`'), '%Y-%m') AS month, COUNT(*) AS n
		FROM returnees r LEFT JOIN regions t ON t.code = r.township_code WHERE r.created_at >= ?`, []any{since}, township)
	q += ` GROUP BY r.township_code, t.name, month ORDER BY r.township_code, month`
	var rows []monthCountRow
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("returnee: dashboard registrations: %w", err)
	}
	return rows, nil
}

type codeCountRow struct {
	Code  string `db:"code"`
	Count int    `db:"n"`
}

func codeCounts(ctx context.Context, db sqlx.QueryerContext, what, q string, args ...any) (map[string]int, error) {
	var rows []codeCountRow
	if err := sqlx.SelectContext(ctx, db, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("returnee: dashboard %s: %w", what, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Count
	}
	return out, nil
}

// countByIntention counts the records by intention (index on township_code, intention).
func countByIntention(ctx context.Context, db sqlx.QueryerContext, township string) (map[string]int, error) {
	q, args := scoped(`SELECT r.intention AS code, COUNT(*) AS n FROM returnees r WHERE 1 = 1`, nil, township)
	return codeCounts(ctx, db, "intentions", q+` GROUP BY r.intention`, args...)
}

// countTags counts the records by tag of kind (index on kind, code, person_id; for one township
// the records of its township index joined by primary key).
func countTags(ctx context.Context, db sqlx.QueryerContext, township, kind string) (map[string]int, error) {
	if township == "" {
		return codeCounts(ctx, db, "tags", `SELECT g.code, COUNT(*) AS n FROM returnee_tags g WHERE g.kind = ? GROUP BY g.code`, kind)
	}
	return codeCounts(ctx, db, "tags", `SELECT g.code, COUNT(*) AS n FROM returnees r
		JOIN returnee_tags g ON g.person_id = r.person_id AND g.kind = ?
		WHERE r.township_code = ? GROUP BY g.code`, kind, township)
}
