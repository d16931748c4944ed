package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

type teamAnswer struct {
	ProjectID int64   `json:"project_id"`
	SignedOn  *string `json:"signed_on"`
	Signed    bool    `json:"signed"`
	MaySet    bool    `json:"may_set"`
	MayKeep   bool    `json:"may_keep_milestones"`
	Team      *struct {
		LeaderID   int64  `json:"leader_id"`
		LeaderName string `json:"leader_name"`
		Department string `json:"department"`
		CadreID    int64  `json:"cadre_id"`
		Version    int    `json:"version"`
	} `json:"team"`
}

type milestonesAnswer struct {
	Items []struct {
		Milestone string  `json:"milestone"`
		Name      string  `json:"name"`
		PlannedOn *string `json:"planned_on"`
		ActualOn  *string `json:"actual_on"`
		Days      *int    `json:"days"`
		Overdue   bool    `json:"overdue"`
	} `json:"items"`
	MayEdit bool `json:"may_edit"`
}

type approvalAnswer struct {
	Year     int `json:"year"`
	Target   int `json:"target_change_percent"`
	Projects int `json:"projects"`
	Items    []struct {
		Milestone string   `json:"milestone"`
		N         int      `json:"n"`
		Median    *float64 `json:"median_days"`
		Baseline  *int     `json:"baseline_days"`
		Change    *float64 `json:"change_percent"`
		Met       *bool    `json:"met"`
	} `json:"items"`
	Overall *float64 `json:"overall_change_percent"`
}

// A project gets its service team only once signed; the team's members are checked; a stale
// version is refused; milestones keep planned and actual dates (not before signing, not going
// backwards); each role sees the teams it should; the year's medians are compared with the
// baselines against −20%.
func TestProjectTeams_teamMilestonesAndApprovalTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &trainingClock{}
	clock.day("2030-12-01")
	e.app.Projects.SetClock(clock.Now)
	e.app.ProjectTeams.SetClock(clock.Now)
	admin := e.staffToken("admin", adminPasswd)
	e.createStaff(admin, map[string]string{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"})
	town1 := e.staffToken("town1", "Township12345")
	e.createStaff(admin, map[string]string{"username": "town2", "password": "Township12345", "role": "township", "township_code": "990102"})
	town2 := e.staffToken("town2", "Township12345")
	leader := e.createStaff(admin, map[string]string{"username": "invest1", "password": "Investment12345", "role": "department", "department": "区招商服务中心"})
	invest := e.staffToken("invest1", "Investment12345")
	e.createStaff(admin, map[string]string{"username": "hrss1", "password": "Investment12345", "role": "department", "department": "区人社局"})
	hrss := e.staffToken("hrss1", "Investment12345")
	cadreAcc := e.createStaff(admin, map[string]string{"username": "cadre1", "password": "Township12345", "role": "township", "township_code": "990102"})
	cadre := e.staffToken("cadre1", "Township12345")
	townAcc := e.createStaff(admin, map[string]string{"username": "town3", "password": "Township12345", "role": "township", "township_code": "990101"})

	negotiating := func(name, township string) int64 {
		t.Helper()
		p := e.createProject(admin, projectForm(name, "C15", "food", township, 0))
		for _, to := range []string{"packaging", "promoting", "negotiating"} {
			expect(t, e.moveProject(admin, p.ID, to, nil), 200, "")
		}
		return p.ID
	}
	tea := negotiating("茶饮料生产线", "990101")
	other1 := negotiating("粮油加工", "990101")
	other2 := negotiating("服装加工", "990102")
	old := negotiating("去年签约的项目", "990101")
	teamPath := fmt.Sprintf("/admin/api/v1/projects/%d/team", tea)
	msPath := fmt.Sprintf("/admin/api/v1/projects/%d/milestones", tea)
	teamBody := map[string]any{"leader_id": leader.ID, "department": "区招商服务中心", "cadre_id": cadreAcc.ID, "version": 0}

	// before signing: 409
	expect(t, e.do("PUT", teamPath, admin, teamBody), 409, "PROJECT_NOT_SIGNED")
	expect(t, e.do("PUT", msPath, admin, map[string]any{"milestones": []any{}}), 409, "PROJECT_NOT_SIGNED")
	r := e.do("GET", teamPath, admin, nil)
	expect(t, r, 200, "")
	var tv teamAnswer
	r.json(t, &tv)
	if tv.Signed || tv.Team != nil || tv.MaySet {
		t.Fatalf("unsigned project's team = %+v", tv)
	}

	clock.day("2030-12-20")
	expect(t, e.moveProject(admin, old, "signed", nil), 200, "")
	clock.day("2031-01-10")
	expect(t, e.moveProject(admin, tea, "signed", map[string]any{"on": "2031-01-05"}), 200, "")
	expect(t, e.moveProject(admin, other1, "signed", map[string]any{"on": "2031-01-02"}), 200, "")
	expect(t, e.moveProject(admin, other2, "signed", map[string]any{"on": "2031-01-01"}), 200, "")

	// the members are checked
	for field, bad := range map[string]map[string]any{
		"leader_id":  {"leader_id": townAcc.ID},
		"department": {"department": "不存在的部门"},
		"cadre_id":   {"cadre_id": 999999},
	} {
		body := map[string]any{}
		for k, v := range teamBody {
			body[k] = v
		}
		for k, v := range bad {
			body[k] = v
		}
		r := e.do("PUT", teamPath, admin, body)
		expect(t, r, 422, "VALIDATION_FAILED")
		if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %s", field, r.Body)
		}
	}
	// only district administrators set teams
	expect(t, e.do("PUT", teamPath, town1, teamBody), 403, "FORBIDDEN")
	expect(t, e.do("PUT", teamPath, invest, teamBody), 404, "NOT_FOUND") // not yet its team: it does not see it

	r = e.do("PUT", teamPath, admin, teamBody)
	expect(t, r, 200, "")
	r.json(t, &tv)
	if tv.Team == nil || tv.Team.Version != 1 || tv.Team.LeaderName != "invest1" || tv.Team.Department != "区招商服务中心" ||
		tv.Team.CadreID != cadreAcc.ID || tv.SignedOn == nil || *tv.SignedOn != "2031-01-05" {
		t.Fatalf("team = %s", r.Body)
	}
	expect(t, e.do("PUT", teamPath, admin, teamBody), 409, "STALE_VERSION") // another set it meanwhile
	teamBody["version"] = 1
	expect(t, e.do("PUT", teamPath, admin, teamBody), 200, "")

	// who sees the team
	for name, c := range map[string]struct {
		token  string
		status int
	}{
		"admin": {admin, 200}, "township of the project": {town1, 200}, "another township": {town2, 404},
		"the team's department": {invest, 200}, "another department": {hrss, 404}, "the cadre (of another township)": {cadre, 200},
	} {
		if r := e.do("GET", teamPath, c.token, nil); r.Status != c.status {
			t.Errorf("%s: GET team = %d %s", name, r.Status, r.Body)
		}
		if r := e.do("GET", msPath, c.token, nil); r.Status != c.status {
			t.Errorf("%s: GET milestones = %d %s", name, r.Status, r.Body)
		}
	}

	// milestones
	ms := func(items ...map[string]any) map[string]any { return map[string]any{"milestones": items} }
	r = e.do("PUT", msPath, cadre, ms(map[string]any{"milestone": "approval", "actual_on": "2031-01-04"}))
	expect(t, r, 422, "VALIDATION_FAILED")
	if !strings.Contains(string(r.Body), "签约日期 2031-01-05") {
		t.Fatalf("before signing: %s", r.Body)
	}
	expect(t, e.do("PUT", msPath, cadre, ms(map[string]any{"milestone": "approval", "actual_on": "2031-01-11"})), 422, "VALIDATION_FAILED")
	expect(t, e.do("PUT", msPath, cadre, ms(map[string]any{"milestone": "permit"})), 422, "VALIDATION_FAILED")
	r = e.do("PUT", msPath, cadre, ms(map[string]any{"milestone": "approval", "actual_on": "2031-01-09"},
		map[string]any{"milestone": "land", "actual_on": "2031-01-08"}))
	expect(t, r, 422, "MILESTONE_ORDER")
	if !strings.Contains(string(r.Body), "“用地”的实际日期 2031-01-08 早于前一环节“立项”") {
		t.Fatalf("order: %s", r.Body)
	}
	// the bare list is read too
	expect(t, e.do("PUT", msPath, cadre, []any{map[string]any{"milestone": "approval", "actual_on": "2031-01-06"}}), 200, "")
	expect(t, e.do("PUT", msPath, town1, ms()), 403, "FORBIDDEN")
	expect(t, e.do("PUT", msPath, hrss, ms()), 404, "NOT_FOUND")
	r = e.do("PUT", msPath, cadre, ms(map[string]any{"milestone": "approval", "planned_on": "2031-01-07", "actual_on": "2031-01-08"},
		map[string]any{"milestone": "land", "planned_on": "2031-01-09"},
		map[string]any{"milestone": "start", "planned_on": "2031-06-01", "actual_on": nil}))
	expect(t, r, 200, "")
	var mv milestonesAnswer
	r.json(t, &mv)
	if len(mv.Items) != 6 || mv.Items[0].Milestone != "approval" || mv.Items[0].Name != "立项" || mv.Items[0].Days == nil ||
		*mv.Items[0].Days != 3 || mv.Items[0].Overdue || !mv.Items[1].Overdue || mv.Items[4].Overdue || mv.Items[2].PlannedOn != nil ||
		!mv.MayEdit {
		t.Fatalf("milestones = %s", r.Body)
	}
	r = e.do("GET", msPath, town1, nil)
	expect(t, r, 200, "")
	r.json(t, &mv)
	if mv.MayEdit || mv.Items[1].PlannedOn == nil || *mv.Items[1].PlannedOn != "2031-01-09" {
		t.Fatalf("township's view = %s", r.Body)
	}

	// the year's medians: approval in 3 (tea), 20 (other1) and 30 (other2, 贺胜桥镇) days; the
	// project signed last year does not count this year.
	clock.day("2031-02-10")
	for id, on := range map[int64]string{other1: "2031-01-22", other2: "2031-01-31", old: "2031-01-02"} {
		expect(t, e.do("PUT", fmt.Sprintf("/admin/api/v1/projects/%d/milestones", id), admin,
			ms(map[string]any{"milestone": "approval", "actual_on": on})), 200, "")
	}
	expect(t, e.do("PUT", "/admin/api/v1/approval-baselines", town1, map[string]any{"baselines": []any{}}), 403, "FORBIDDEN")
	expect(t, e.do("PUT", "/admin/api/v1/approval-baselines", invest,
		map[string]any{"baselines": []any{map[string]any{"milestone": "land", "days": 0}}}), 422, "VALIDATION_FAILED")
	r = e.do("PUT", "/admin/api/v1/approval-baselines", invest, map[string]any{"baselines": []any{
		map[string]any{"milestone": "approval", "days": 25}, map[string]any{"milestone": "land", "days": 60}}})
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"set_by":"invest1"`) {
		t.Fatalf("baselines = %s", r.Body)
	}
	approval := func(token, query string) approvalAnswer {
		t.Helper()
		r := e.do("GET", "/admin/api/v1/projects/approval-time"+query, token, nil)
		expect(t, r, 200, "")
		var a approvalAnswer
		r.json(t, &a)
		return a
	}
	a := approval(admin, "?year=2031")
	ap := a.Items[0]
	if a.Target != -20 || a.Projects != 3 || ap.N != 3 || *ap.Median != 20 || *ap.Baseline != 25 || *ap.Change != -20 || !*ap.Met ||
		a.Items[1].N != 0 || a.Items[1].Change != nil || a.Overall == nil || *a.Overall != -20 {
		t.Fatalf("approval time 2031 = %+v", a)
	}
	if a := approval(admin, "?year=2030"); a.Items[0].N != 1 || *a.Items[0].Median != 13 {
		t.Fatalf("approval time 2030 = %+v", a)
	}
	// township staff: their township's projects only
	if a := approval(town2, "?year=2031"); a.Items[0].N != 1 || *a.Items[0].Median != 30 || *a.Items[0].Change != 20 || *a.Items[0].Met {
		t.Fatalf("贺胜桥镇's approval time = %+v", a)
	}
	expect(t, e.do("GET", "/admin/api/v1/projects/approval-time?year=20x1", admin, nil), 400, "VALIDATION_FAILED")
	r = e.do("GET", "/admin/api/v1/approval-baselines", town1, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"days":25`) {
		t.Fatalf("baselines read = %s", r.Body)
	}

	// every write is audited
	var n int
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action IN ('project.team', 'project.milestones', 'approval.baselines')`); err != nil {
		t.Fatal(err)
	}
	if n != 2+5+1 { // two teams, five milestone lists, one baseline change
		t.Fatalf("audited writes = %d", n)
	}
}

// Twelve administrators set a new team at once, each with version 0: exactly one wins, the others
// get 409 STALE_VERSION, and one team and one audit row exist.
func TestProjectTeams_parallelFirstTeamOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	leader := e.createStaff(admin, map[string]string{"username": "invest1", "password": "Investment12345", "role": "department", "department": "区招商服务中心"})
	p := e.createProject(admin, projectForm("茶饮料生产线", "C15", "food", "990101", 0))
	for _, to := range []string{"packaging", "promoting", "negotiating", "signed"} {
		expect(t, e.moveProject(admin, p.ID, to, nil), 200, "")
	}
	path := fmt.Sprintf("/admin/api/v1/projects/%d/team", p.ID)
	var wg sync.WaitGroup
	statuses := make([]int, 12)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.do("PUT", path, admin, map[string]any{"leader_id": leader.ID, "department": "区招商服务中心",
				"cadre_id": leader.ID, "version": 0}).Status
		}()
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 200:
			won++
		case 409:
		default:
			t.Fatalf("statuses = %v", statuses)
		}
	}
	var teams, audits int
	if err := e.db.Get(&teams, `SELECT COUNT(*) FROM project_teams WHERE project_id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Get(&audits, `SELECT COUNT(*) FROM audit_log WHERE action = 'project.team'`); err != nil {
		t.Fatal(err)
	}
	if won != 1 || teams != 1 || audits != 1 {
		t.Fatalf("won %d, teams %d, audits %d (statuses %v)", won, teams, audits, statuses)
	}
}

// 开工 and 投产 follow the project's status: a project moved to 开工 shows its start milestone
// reached on that day (from_status) and counts in the year's medians; an entered actual date
// wins over the status date.
func TestProjectTeams_startAndProductionFollowStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &trainingClock{}
	clock.day("2031-12-20")
	e.app.Projects.SetClock(clock.Now)
	e.app.ProjectTeams.SetClock(clock.Now)
	admin := e.staffToken("admin", adminPasswd)
	signed := func(name, on string) int64 {
		t.Helper()
		p := e.createProject(admin, projectForm(name, "C15", "food", "990101", 0))
		for _, to := range []string{"packaging", "promoting", "negotiating"} {
			expect(t, e.moveProject(admin, p.ID, to, nil), 200, "")
		}
		clock.day("2032-01-10")
		expect(t, e.moveProject(admin, p.ID, "signed", map[string]any{"on": on}), 200, "")
		clock.day("2031-12-20")
		return p.ID
	}
	tea := signed("茶饮料生产线", "2032-01-02")
	oil := signed("粮油加工", "2032-01-04")
	clock.day("2032-03-01")
	expect(t, e.moveProject(admin, tea, "started", map[string]any{"on": "2032-02-01"}), 200, "") // 30 days after signing
	expect(t, e.moveProject(admin, oil, "started", map[string]any{"on": "2032-02-13"}), 200, "") // 40 days, but an entered date wins
	expect(t, e.do("PUT", fmt.Sprintf("/admin/api/v1/projects/%d/milestones", oil), admin, map[string]any{"milestones": []any{
		map[string]any{"milestone": "start", "actual_on": "2032-02-23"}}}), 200, "") // 50 days

	type item struct {
		Milestone  string  `json:"milestone"`
		ActualOn   *string `json:"actual_on"`
		Days       *int    `json:"days"`
		FromStatus bool    `json:"from_status"`
	}
	read := func(id int64) map[string]item {
		t.Helper()
		r := e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d/milestones", id), admin, nil)
		expect(t, r, 200, "")
		var v struct {
			Items []item `json:"items"`
		}
		r.json(t, &v)
		out := map[string]item{}
		for _, it := range v.Items {
			out[it.Milestone] = it
		}
		return out
	}
	m := read(tea)
	if st := m["start"]; st.ActualOn == nil || *st.ActualOn != "2032-02-01" || !st.FromStatus || st.Days == nil || *st.Days != 30 {
		t.Fatalf("tea's start = %+v", st)
	}
	if p := m["production"]; p.ActualOn != nil || p.FromStatus {
		t.Fatalf("tea's production before 投产 = %+v", p)
	}
	if a := m["approval"]; a.ActualOn != nil || a.FromStatus {
		t.Fatalf("tea's approval = %+v", a)
	}
	if st := read(oil)["start"]; st.ActualOn == nil || *st.ActualOn != "2032-02-23" || st.FromStatus || *st.Days != 50 {
		t.Fatalf("oil's start (entered) = %+v", st)
	}

	// 投产 follows too
	clock.day("2032-04-01")
	expect(t, e.moveProject(admin, tea, "producing", map[string]any{"on": "2032-03-22"}), 200, "") // 80 days
	if p := read(tea)["production"]; p.ActualOn == nil || *p.ActualOn != "2032-03-22" || !p.FromStatus || *p.Days != 80 {
		t.Fatalf("tea's production = %+v", p)
	}

	// the medians: start 30 (tea, from its status) and 50 (oil, entered) → 40; production 80
	r := e.do("GET", "/admin/api/v1/projects/approval-time?year=2032", admin, nil)
	expect(t, r, 200, "")
	var a approvalAnswer
	r.json(t, &a)
	byCode := map[string]int{}
	for i, it := range a.Items {
		byCode[it.Milestone] = i
	}
	st, pr := a.Items[byCode["start"]], a.Items[byCode["production"]]
	if a.Projects != 2 || st.N != 2 || st.Median == nil || *st.Median != 40 || pr.N != 1 || *pr.Median != 80 ||
		a.Items[byCode["approval"]].N != 0 {
		t.Fatalf("approval time 2032 = %s", r.Body)
	}
}
