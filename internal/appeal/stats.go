package appeal

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/sqldb"
)

// DepartmentStats are one department's counts and satisfaction (requests not yet assigned are
// counted under the empty department).
type DepartmentStats struct {
	Department  string `json:"department" db:"department"`
	Total       int    `json:"total" db:"total"`
	Open        int    `json:"open" db:"open"`
	Overdue     int    `json:"overdue" db:"overdue"`
	Replied     int    `json:"replied" db:"replied"`
	Closed      int    `json:"closed" db:"closed"`
	Reopened    int    `json:"reopened" db:"reopened"`
	Satisfied   int    `json:"satisfied" db:"satisfied"`
	Basic       int    `json:"basic" db:"basic"`
	Unsatisfied int    `json:"unsatisfied" db:"unsatisfied"`
	// Satisfaction is (满意 + 基本满意) / rated, in percent with one decimal; nil without ratings.
	Satisfaction *float64 `json:"satisfaction"`
}

// Stats are the counts and satisfaction by department of the requests by may see, the
// departments by name (unassigned ones last).
func (s *Service) Stats(ctx context.Context, by actor.Actor) ([]DepartmentStats, error) {
	cond, args := scope(by)
	now := s.clock()
	var out []DepartmentStats
	err := sqlx.SelectContext(ctx, s.db, &out, `SELECT COALESCE(a.department, '') AS department, COUNT(*) AS total,
		COALESCE(SUM(a.status <> 'closed'), 0) AS open,
		COALESCE(SUM(`+overdueSQL+`), 0) AS overdue,
		COALESCE(SUM(a.status = 'replied' OR (a.status = 'closed' AND a.department IS NOT NULL)), 0) AS replied,
		COALESCE(SUM(a.status = 'closed'), 0) AS closed,
		COALESCE(SUM(a.reopens > 0), 0) AS reopened,
		COALESCE(SUM(a.rating = 'satisfied'), 0) AS satisfied,
		COALESCE(SUM(a.rating = 'basic'), 0) AS basic,
		COALESCE(SUM(a.rating = 'unsatisfied'), 0) AS unsatisfied
		FROM appeals a WHERE `+cond+` GROUP BY COALESCE(a.department, '') ORDER BY COALESCE(a.department, '') = '', department`,
		append([]any{now}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("appeal: stats: %w", sqldb.Classify(err))
	}
	for i := range out {
		d := &out[i]
		if rated := d.Satisfied + d.Basic + d.Unsatisfied; rated > 0 {
			v := float64((d.Satisfied+d.Basic)*1000/rated) / 10
			d.Satisfaction = &v
		}
	}
	return out, nil
}

// SatisfactionText is the satisfaction as the console shows it: "87.5%", or "—" without ratings.
func (d DepartmentStats) SatisfactionText() string {
	if d.Satisfaction == nil {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", *d.Satisfaction)
}
