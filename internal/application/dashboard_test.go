package application

import (
	"fmt"
	"testing"

	"huixiang/internal/actor"
	"huixiang/internal/testenv"
)

// TestDashboard_todosFiguresAndLoansInScope: each role's to-dos are the stages the transition
// table lets it decide; the figures and the loans paid count only the actor's township for
// township staff, drafts never.
func TestDashboard_todosFiguresAndLoansInScope(t *testing.T) {
	t.Parallel()
	db := testenv.MySQL(t)
	s := &Service{db: db}
	rows := []struct {
		township, kind, status string
		amount, disbursed      int64
	}{
		{"990101", KindLoan, StatusSubmitted, 10_000_000, 0},
		{"990101", KindLoan, StatusSubmitted, 20_000_000, 0},
		{"990101", KindLoan, StatusDisbursed, 30_000_000, 25_000_000},
		{"990101", KindSubsidy, StatusDisbursed, 500_000, 500_000},
		{"990101", KindLoan, StatusDraft, 1_000_000, 0},
		{"990102", KindLoan, StatusTownshipApproved, 5_000_000, 0},
		{"990102", KindLoan, StatusApproved, 7_000_000, 0},
		{"990102", KindLoan, StatusDisbursed, 40_000_000, 40_000_000},
	}
	for i, r := range rows {
		var disbursed any
		if r.disbursed > 0 {
			disbursed = r.disbursed
		}
		db.MustExec(`INSERT INTO applications (policy_code, policy_kind, user_id, person_id, township_code, status, borrower_key,
			amount_fen, disbursed_fen, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))`,
			map[string]string{KindLoan: "guaranteed_loan", KindSubsidy: "startup_subsidy"}[r.kind], r.kind, 100+i, 100+i, r.township, r.status,
			fmt.Sprint("P:", 100+i), r.amount, disbursed)
	}

	town := actor.Staff(2, "clerk", actor.Township, "", "990101")
	d, err := s.Dashboard(t.Context(), town)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d.Todos) != fmt.Sprint([]Todo{{StageTownship, StatusSubmitted, 2}}) {
		t.Errorf("township todos %v", d.Todos)
	}
	want := []StatusFigures{{StatusSubmitted, 2, 30_000_000, 0}, {StatusDisbursed, 2, 30_500_000, 25_500_000}}
	if fmt.Sprint(d.ByStatus) != fmt.Sprint(want) {
		t.Errorf("township figures %v, want %v", d.ByStatus, want)
	}
	if d.LoansDisbursedFen != 25_000_000 || d.LoansDisbursed != 1 {
		t.Errorf("township loans %d (%d), want 25,000,000 fen (1)", d.LoansDisbursedFen, d.LoansDisbursed)
	}

	dept := actor.Staff(3, "hrss", actor.Department, "区人社局", "")
	d, err = s.Dashboard(t.Context(), dept)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(d.Todos) != fmt.Sprint([]Todo{{StageDistrict, StatusTownshipApproved, 1}, {StagePayment, StatusApproved, 1}}) {
		t.Errorf("department todos %v", d.Todos)
	}
	if d.LoansDisbursedFen != 65_000_000 || d.LoansDisbursed != 2 || len(d.ByStatus) != 4 {
		t.Errorf("department: %+v", d)
	}

	admin := actor.Staff(1, "admin", actor.DistrictAdmin, "", "")
	d, err = s.Dashboard(t.Context(), admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Todos) != 3 || d.Todos[0].Status != StatusSubmitted || d.Todos[0].Count != 2 {
		t.Errorf("district admin todos %v", d.Todos)
	}

	none, err := s.Dashboard(t.Context(), actor.Staff(4, "nobody", actor.Township, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(none.ByStatus) != 0 || none.LoansDisbursedFen != 0 || none.Todos[0].Count != 0 {
		t.Errorf("township staff without a township: %+v", none)
	}
}
