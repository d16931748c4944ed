package application

import (
	"context"
	"fmt"
	"strings"

	"huixiang/internal/actor"
	"huixiang/internal/sqldb"
)

// Filter selects applications for the staff queues. An empty Status means the queue of the
// staff member's stage: township staff see submitted ones, district staff township-approved
// ones; "all" shows every status but drafts.
type Filter struct {
	Status   string
	Policy   string
	Kind     string
	Township string
	sqldb.PageRequest
}

// Page is one page of applications.
type Page = sqldb.Page[Application]

func (f Filter) where(st actor.Actor) (string, []any) {
	conds, args := []string{"a.status <> 'draft'"}, []any{}
	add := func(c string, v any) { conds = append(conds, c); args = append(args, v) }
	switch f.Status {
	case "":
		q := queueStates(st)
		conds = append(conds, "a.status IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(q)), ", ")+")")
		for _, v := range q {
			args = append(args, v)
		}
	case "all":
	default:
		add("a.status = ?", f.Status)
	}
	if t := st.ScopeTownship(); t != "" || st.Role == actor.Township {
		add("a.township_code = ?", t) // township staff without a township see nothing
	}
	if f.Township != "" {
		add("a.township_code = ?", f.Township)
	}
	if f.Policy != "" {
		add("a.policy_code = ?", f.Policy)
	}
	if f.Kind != "" {
		add("a.policy_kind = ?", f.Kind)
	}
	return strings.Join(conds, " AND "), args
}

// List returns a staff queue page, oldest submission first (first come, first served).
func (s *Service) List(ctx context.Context, st actor.Actor, f Filter) (Page, error) {
	pr := f.PageRequest.Norm()
	where, args := f.where(st)
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM applications a WHERE `+where, args...); err != nil {
		return Page{}, fmt.Errorf("application: count: %w", err)
	}
	var rows []row
	err := s.db.SelectContext(ctx, &rows, selectApp+` WHERE `+where+` ORDER BY a.submitted_at, a.id LIMIT ? OFFSET ?`,
		append(args, pr.Limit(), pr.Offset())...)
	if err != nil {
		return Page{}, fmt.Errorf("application: list: %w", err)
	}
	items := make([]Application, 0, len(rows))
	for _, r := range rows {
		a := s.view(r)
		a.ApplicantName, a.PersonID = r.ApplicantName, r.PersonID
		items = append(items, a)
	}
	return sqldb.NewPage(pr, items, total), nil
}

// Bucket is a count and amount for one group.
type Bucket struct {
	Key          string `db:"k" json:"key"`
	Status       string `db:"status" json:"status,omitempty"`
	Count        int    `db:"n" json:"count"`
	AmountFen    int64  `db:"amount" json:"amount_fen"`
	DisbursedFen int64  `db:"disbursed" json:"disbursed_fen"`
}

// Stats are the totals the dashboard shows.
type Stats struct {
	ByPolicyStatus []Bucket `json:"by_policy_status"`
	ByTownship     []Bucket `json:"by_township"`
	ByMonth        []Bucket `json:"by_month"`
}

// Stats counts applications (drafts excluded) and sums amounts by policy and status, by
// township, and by month of submission in Beijing time; township staff see their township's.
func (s *Service) Stats(ctx context.Context, st actor.Actor, f Filter) (Stats, error) {
	f.Status = "all"
	where, args := f.where(st)
	const sums = `COUNT(*) AS n, COALESCE(SUM(a.amount_fen), 0) AS amount, COALESCE(SUM(a.disbursed_fen), 0) AS disbursed`
	out := Stats{}
	for _, q := range []struct {
		dst *[]Bucket
		sql string
	}{
		{&out.ByPolicyStatus, `SELECT a.policy_code AS k, a.status, ` + sums + ` FROM applications a WHERE ` + where + ` GROUP BY a.policy_code, a.status ORDER BY a.policy_code, a.status`},
		{&out.ByTownship, `SELECT a.township_code AS k, '' AS status, ` + sums + ` FROM applications a WHERE ` + where + ` GROUP BY a.township_code ORDER BY a.township_code`},
		{&out.ByMonth, `SELECT DATE_FORMAT(CONVERT_TZ(a.submitted_at, '+00:00', '+08:00'), '%Y-%m') AS k, '' AS status, ` + sums +
			` FROM applications a WHERE ` + where + ` AND a.submitted_at IS NOT NULL GROUP BY k ORDER BY k`},
	} {
		*q.dst = []Bucket{}
		if err := s.db.SelectContext(ctx, q.dst, q.sql, args...); err != nil {
			return Stats{}, fmt.Errorf("application: stats: %w", err)
		}
	}
	return out, nil
}
