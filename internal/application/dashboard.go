package application

import (
	"context"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
)

// Todo is the applications waiting at a stage the actor decides: Status is the state the stage
// decides from (the transition table's From), Count how many are in it in the actor's scope.
type Todo struct {
	Stage  Stage
	Status string
	Count  int
}

// StatusFigures are the applications in one status: how many, the amounts applied for and the
// amounts paid, in fen.
type StatusFigures struct {
	Status       string
	Count        int
	AmountFen    int64
	DisbursedFen int64
}

// Dashboard is what the staff console's home page shows of applications, in the actor's scope
// (township staff: their township only, in the statement's WHERE).
type Dashboard struct {
	// Todos: one per stage the actor may decide, in the table's order.
	Todos []Todo
	// ByStatus: every status but draft that has applications, in the table's order.
	ByStatus []StatusFigures
	// LoansDisbursedFen is the guaranteed loans paid out so far (LoansDisbursed applications).
	LoansDisbursedFen int64
	LoansDisbursed    int
}

// todoStages are the stages the actor decides, each with the states it decides from, read from
// the transition table (what a staff member may do is its May column).
func todoStages(a actor.Actor) []Todo {
	var out []Todo
	for _, t := range transitions {
		if t.May == nil || !t.May(a) {
			continue
		}
		for _, f := range t.From {
			if !slices.ContainsFunc(out, func(x Todo) bool { return x.Stage == t.Stage && x.Status == f }) {
				out = append(out, Todo{Stage: t.Stage, Status: f})
			}
		}
	}
	return out
}

type dashboardRow struct {
	Status    string `db:"status"`
	Kind      string `db:"policy_kind"`
	Count     int    `db:"n"`
	Amount    int64  `db:"amount"`
	Disbursed int64  `db:"disbursed"`
}

// Dashboard counts the applications the actor may see by status and policy kind in one
// statement (the queue index: status, township_code), and answers the to-dos, the status
// figures and the loans paid from it.
func (s *Service) Dashboard(ctx context.Context, a actor.Actor) (Dashboard, error) {
	q := `SELECT a.status, a.policy_kind, COUNT(*) AS n, COALESCE(SUM(a.amount_fen), 0) AS amount,
		COALESCE(SUM(a.disbursed_fen), 0) AS disbursed FROM applications a WHERE a.status <> ?`
	args := []any{StatusDraft}
	if t := a.ScopeTownship(); t != "" {
		q += ` AND a.township_code = ?`
		args = append(args, t)
	}
	var rows []dashboardRow
	if err := sqlx.SelectContext(ctx, s.db, &rows, q+` GROUP BY a.status, a.policy_kind`, args...); err != nil {
		return Dashboard{}, fmt.Errorf("application: dashboard: %w", err)
	}
	out := Dashboard{Todos: todoStages(a), ByStatus: []StatusFigures{}}
	by := map[string]*StatusFigures{}
	for _, r := range rows {
		f, ok := by[r.Status]
		if !ok {
			f = &StatusFigures{Status: r.Status}
			by[r.Status] = f
		}
		f.Count += r.Count
		f.AmountFen += r.Amount
		f.DisbursedFen += r.Disbursed
		if r.Kind == KindLoan && r.Status == StatusDisbursed {
			out.LoansDisbursedFen += r.Disbursed
			out.LoansDisbursed += r.Count
		}
	}
	for i := range out.Todos {
		if f, ok := by[out.Todos[i].Status]; ok {
			out.Todos[i].Count = f.Count
		}
	}
	for _, st := range States() {
		if f, ok := by[st]; ok {
			out.ByStatus = append(out.ByStatus, *f)
		}
	}
	return out, nil
}
