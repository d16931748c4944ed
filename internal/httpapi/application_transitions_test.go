package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/application"
)

// walkEnv is a subsidy application with its materials, its applicant and one staff member of
// each role, for walking the state machine through the real service.
type walkEnv struct {
	*env
	id     int64
	userID int64
	staff  []actor.Actor
}

func newWalkEnv(t *testing.T) walkEnv {
	e := newEnv(t)
	seedRegions(t, e)
	tok := e.entrepreneur("o_walker", 72)
	app := e.createApp(tok, subsidyForm(e.uploadKind(tok, "business_licence"), e.uploadKind(tok, "id_front"), e.uploadKind(tok, "id_back")))
	w := walkEnv{env: e, id: app.ID}
	if err := e.db.Get(&w.userID, "SELECT user_id FROM applications WHERE id = ?", app.ID); err != nil {
		t.Fatal(err)
	}
	e.staffOf("walk_town", "township", "990101")
	e.staffOf("walk_dept", "department", "")
	for _, name := range []string{"admin", "walk_town", "walk_dept"} {
		var s struct {
			ID   int64   `db:"id"`
			Role string  `db:"role"`
			Dept *string `db:"department"`
			Town *string `db:"township_code"`
		}
		if err := e.db.Get(&s, "SELECT id, role, department, township_code FROM staff WHERE username = ?", name); err != nil {
			t.Fatal(err)
		}
		deref := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		w.staff = append(w.staff, actor.Staff(s.ID, name, actor.Role(s.Role), deref(s.Dept), deref(s.Town)))
	}
	return w
}

// putIn sets the application's state directly; the earlier stages are on record as decided by
// accounts that are none of the walkers, so the four-eyes rule never decides the outcome here.
func (w walkEnv) putIn(t *testing.T, status string) int {
	t.Helper()
	_, err := w.db.Exec(`UPDATE applications SET status = ?, township_reviewer_id = 999998, district_reviewer_id = 999999,
		version = version + 1 WHERE id = ?`, status, w.id)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := w.db.Get(&v, "SELECT version FROM applications WHERE id = ?", w.id); err != nil {
		t.Fatal(err)
	}
	return v
}

// request is what a caller can ask of the service: an applicant's action, a reviewer's verdict
// (the service applies it at the stage the application is at) or a disbursement.
type request struct {
	action   application.Action // ActSubmit, ActWithdraw or ActDisburse
	decision string             // approve, return or reject
}

func (q request) String() string {
	if q.decision != "" {
		return "review_" + q.decision
	}
	return string(q.action)
}

// row is the table's row that answers q from state, if any.
func (q request) row(table []application.Transition, state string) (application.Transition, bool) {
	for _, t := range table {
		if slices.Contains(t.From, state) && ((q.decision != "" && t.Decision == q.decision) || (q.decision == "" && t.Action == q.action)) {
			return t, true
		}
	}
	return application.Transition{}, false
}

// requests are the requests that can reach the rows of the table.
func requests(table []application.Transition) []request {
	var out []request
	for _, t := range table {
		q := request{action: t.Action}
		if t.Decision != "" {
			q = request{decision: t.Decision}
		}
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out
}

func (w walkEnv) take(ctx context.Context, q request, by actor.Actor, version int) error {
	svc := w.app.Applications
	var err error
	switch {
	case q.decision != "":
		_, err = svc.Review(ctx, by, w.id, application.Decision{Decision: q.decision, Comment: "按表走一遍", Version: version})
	case q.action == application.ActSubmit:
		_, err = svc.Submit(ctx, w.userID, w.id, version)
	case q.action == application.ActWithdraw:
		_, err = svc.Withdraw(ctx, w.userID, w.id, version)
	case q.action == application.ActDisburse:
		_, err = svc.Disburse(ctx, by, w.id, application.DisburseInput{AmountFen: 500000,
			PaidOn: time.Now().Format(time.DateOnly), BankReference: "WALK-1", Version: version})
	default:
		return fmt.Errorf("the walk does not know action %s: add it here", q.action)
	}
	return err
}

// TestApplicationTransitions_everyActionFromEveryState_onlyTheTableAllows walks the transition
// table through the real service: every request (applicant action, review verdict, disbursement)
// from every state by every role (the applicant for the applicant's actions) does what the
// table's row for that state says — lands in the row's to-state for the roles the row names,
// ErrForbidden for the others — and is refused without moving the application where the table
// has no row. Every row of the table is taken at least once.
func TestApplicationTransitions_everyActionFromEveryState_onlyTheTableAllows(t *testing.T) {
	w := newWalkEnv(t)
	ctx := context.Background()
	table := application.Transitions()
	taken := map[string]bool{}
	for _, q := range requests(table) {
		actors := w.staff
		if q.action == application.ActSubmit || q.action == application.ActWithdraw {
			actors = []actor.Actor{actor.User(w.userID)}
		}
		for _, state := range application.States() {
			for _, by := range actors {
				who := string(by.Role)
				if by.Kind == actor.KindUser {
					who = "applicant"
				}
				t.Run(fmt.Sprintf("%s/from_%s/by_%s", q, state, who), func(t *testing.T) {
					version := w.putIn(t, state)
					tr, hasRow := q.row(table, state)
					err := w.take(ctx, q, by, version)
					var now string
					w.db.Get(&now, "SELECT status FROM applications WHERE id = ?", w.id)
					switch {
					case hasRow && (tr.May == nil || tr.May(by)):
						if err != nil || now != tr.To {
							t.Fatalf("row %s allows it: err = %v, status = %s, want %s", tr.Action, err, now, tr.To)
						}
						taken[string(tr.Action)+"/"+state] = true
					case hasRow:
						if !errors.Is(err, application.ErrForbidden) || now != state {
							t.Fatalf("row %s names other roles: err = %v, status = %s, want ErrForbidden and %s", tr.Action, err, now, state)
						}
					default:
						// No row: refused as a transition the state does not allow; a draft is not
						// shown to staff at all (not found); a role that may take no row of the
						// request is refused first; a second live subsidy is refused by its rule.
						mayAny := false
						for _, s := range application.States() {
							if r, ok := q.row(table, s); ok && (r.May == nil || r.May(by)) {
								mayAny = true
							}
						}
						ok := errors.Is(err, application.ErrInvalidTransition) ||
							(state == application.StatusDraft && by.IsStaff() && errors.Is(err, application.ErrNotFound)) ||
							(!mayAny && errors.Is(err, application.ErrForbidden)) ||
							(q.action == application.ActSubmit && slices.Contains(application.LiveStates(), state) && errors.Is(err, application.ErrAlreadyGranted))
						if !ok || now != state {
							t.Fatalf("no row: err = %v, status = %s, want a refusal and %s", err, now, state)
						}
					}
				})
			}
		}
	}
	// The roles the table names, spelled out once more: the walk above follows the table, this
	// pins the table to the rules of the district.
	roles := map[application.Stage][]actor.Role{
		application.StageTownship: {actor.DistrictAdmin, actor.Township},
		application.StageDistrict: {actor.DistrictAdmin, actor.Department},
		application.StagePayment:  {actor.DistrictAdmin, actor.Department},
	}
	for _, tr := range table {
		if tr.Stage == application.StageApplicant {
			if tr.May != nil {
				t.Errorf("applicant action %s names staff roles", tr.Action)
			}
			continue
		}
		for _, by := range w.staff {
			if want := slices.Contains(roles[tr.Stage], by.Role); tr.May == nil || tr.May(by) != want {
				t.Errorf("action %s by %s: table allows = %v, want %v", tr.Action, by.Role, tr.May != nil && tr.May(by), want)
			}
		}
	}
	for _, tr := range table {
		for _, from := range tr.From {
			if !taken[string(tr.Action)+"/"+from] {
				t.Errorf("row %s from %s was never taken", tr.Action, from)
			}
		}
	}
}

// TestApplicationTransitions_grantKeyColumnAgreesWithLiveStates: the subsidy-once rule is a
// generated column of the migration that lists the states in SQL; in every state of the table
// it holds the place exactly when the table calls the state live.
func TestApplicationTransitions_grantKeyColumnAgreesWithLiveStates(t *testing.T) {
	w := newWalkEnv(t)
	live := application.LiveStates()
	if len(live) == 0 {
		t.Fatal("no live states")
	}
	for _, state := range application.States() {
		w.putIn(t, state)
		var holds bool
		if err := w.db.Get(&holds, "SELECT grant_key IS NOT NULL FROM applications WHERE id = ?", w.id); err != nil {
			t.Fatal(err)
		}
		if want := slices.Contains(live, state); holds != want {
			t.Errorf("state %s: grant_key set = %v, table says live = %v", state, holds, want)
		}
	}
	// The granted states count towards the limits and are live.
	for _, g := range application.GrantedStates() {
		if !slices.Contains(live, g) {
			t.Errorf("granted state %s is not live", g)
		}
	}
}
