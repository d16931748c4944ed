package application

import (
	"context"
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
	conds, args := []string{"a.status <> ?"}, []any{StatusDraft} // staff never see drafts
	add := func(c string, v any) { conds = append(conds, c); args = append(args, v) }
	switch f.Status {
	case "":
		q := queueStates(st)
		conds = append(conds, "a.status IN ("+placeholders(len(q))+")")
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
	total, rows, err := listQueue(ctx, s.db, where, args, pr)
	if err != nil {
		return Page{}, err
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
	Key          string `json:"key"`
	Status       string `json:"status,omitempty"`
	Count        int    `json:"count"`
	AmountFen    int64  `json:"amount_fen"`
	DisbursedFen int64  `json:"disbursed_fen"`
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
	return statsOf(ctx, s.db, where, args)
}
