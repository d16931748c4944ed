package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

type visitAnswer struct {
	ID           int64   `json:"id"`
	Kind         string  `json:"kind"`
	KindName     string  `json:"kind_name"`
	Title        string  `json:"title"`
	VisitedOn    string  `json:"visited_on"`
	TownshipCode *string `json:"township_code"`
	TownshipName *string `json:"township_name"`
	Result       string  `json:"result"`
	ResultName   string  `json:"result_name"`
	Version      int     `json:"version"`
	Open         int     `json:"open_followups"`
	Overdue      int     `json:"overdue_followups"`
	Merchants    []struct {
		ID     int64  `json:"id"`
		Name   string `json:"name"`
		Hidden bool   `json:"hidden"`
	} `json:"merchants"`
	Enterprises []struct {
		Name string `json:"name"`
		USCC string `json:"uscc"`
	} `json:"enterprises"`
	Projects []struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	} `json:"projects"`
	Followups []followupAnswer `json:"followups"`
}

type followupAnswer struct {
	ID              int64   `json:"id"`
	Task            string  `json:"task"`
	OwnerName       *string `json:"owner_name"`
	OwnerDepartment string  `json:"owner_department"`
	DueOn           string  `json:"due_on"`
	DoneAt          *string `json:"done_at"`
	Overdue         bool    `json:"overdue"`
}

type visitStats struct {
	Year        int `json:"year"`
	Out         int `json:"out"`
	In          int `json:"in"`
	Event       int `json:"event"`
	Signed      int `json:"signed"`
	OutTarget   int `json:"out_target"`
	InTarget    int `json:"in_target"`
	EventTarget int `json:"event_target"`
	Open        int `json:"open_followups"`
	Overdue     int `json:"overdue_followups"`
}

func visitForm(kind, title, on, township string) map[string]any {
	f := map[string]any{"kind": kind, "title": title, "visited_on": on, "place": "广东省深圳市", "leader_name": "张书记",
		"leader_title": "区委副书记", "participants": "区招商局 李四、王五", "outcome": "对方有意回乡投资"}
	if township != "" {
		f["township_code"] = township
	}
	return f
}

func (e *env) createVisit(tok string, form map[string]any) visitAnswer {
	e.t.Helper()
	r := e.do("POST", "/admin/api/v1/visits", tok, form)
	expect(e.t, r, 201, "")
	var v visitAnswer
	r.json(e.t, &v)
	return v
}

func (e *env) visitList(tok, query string) (ids []int64, total int) {
	e.t.Helper()
	r := e.do("GET", "/admin/api/v1/visits"+query, tok, nil)
	expect(e.t, r, 200, "")
	var p struct {
		Items []visitAnswer `json:"items"`
		Total int           `json:"total"`
	}
	r.json(e.t, &p)
	for _, v := range p.Items {
		ids = append(ids, v.ID)
	}
	return ids, p.Total
}

func (e *env) visitStats(tok, query string) visitStats {
	e.t.Helper()
	r := e.do("GET", "/admin/api/v1/visits/stats"+query, tok, nil)
	expect(e.t, r, 200, "")
	var s visitStats
	r.json(e.t, &s)
	return s
}

func (e *env) visitAudits(action string, id int64) int {
	e.t.Helper()
	var n int
	if err := e.db.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND target_type = 'visit' AND target_id = ?`,
		action, fmt.Sprint(id)); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A visit is recorded with the merchants, enterprises and projects it met, refused with the
// field named when a value is wrong, listed by year, kind, merchant and project, counted against
// the plan; a change at a stale version is 409; a follow-up past its due date is overdue until
// it is done, once; a signing leaves the project's status alone; every write is audited.
func TestVisits_createListStatsStaleAndFollowups(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &trainingClock{}
	clock.day("2030-06-15")
	e.app.Visits.SetClock(clock.Now)
	admin := e.staffToken("admin", adminPasswd)
	a := e.createMerchant(admin, merchantForm(731, "990101", "13", "广东省", "1000_5000", "tea"))
	b := e.createMerchant(admin, merchantForm(732, "990102", "15", "浙江省", "100_1000"))
	p := e.createProject(admin, projectForm("咸安茶饮料生产线", "C15", "food", "990101", 0))

	// validation, each naming its field
	for field, bad := range map[string]map[string]any{
		"kind":                {"kind": "visit"},
		"title":               {"title": "x"},
		"place":               {"place": ""},
		"visited_on":          {"visited_on": "2030-06-16"},
		"township_code":       {"township_code": "990999"},
		"result":              {"result": "done"},
		"project_ids":         {"result": "signed"},
		"merchant_ids":        {"merchant_ids": []int64{999999}},
		"enterprises[0].uscc": {"enterprises": []map[string]string{{"name": "某某公司", "uscc": "91421202MA4000000X"}}},
	} {
		f := visitForm("out", "赴深圳拜访咸安籍企业家", "2030-03-01", "990101")
		for k, v := range bad {
			f[k] = v
		}
		r := e.do("POST", "/admin/api/v1/visits", admin, f)
		expect(t, r, 422, "VALIDATION_FAILED")
		if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %s", field, r.Body)
		}
	}

	f := visitForm("out", "赴深圳拜访咸安籍企业家", "2030-03-01", "990101")
	f["merchant_ids"] = []int64{a.PersonID, b.PersonID, a.PersonID}
	f["enterprises"] = []map[string]string{{"name": "深圳某某食品有限公司", "uscc": strings.ToLower(testUSCC(731))}, {"name": "某某茶业"}}
	f["project_ids"] = []int64{p.ID}
	f["result"] = "signed"
	out := e.createVisit(admin, f)
	if out.Kind != "out" || out.KindName != "走出去" || out.ResultName != "签约" || out.Version != 1 || len(out.Merchants) != 2 ||
		len(out.Enterprises) != 2 || out.Enterprises[0].USCC != testUSCC(731) || len(out.Projects) != 1 ||
		out.TownshipName == nil || *out.TownshipName != "官埠桥镇" {
		t.Fatalf("created = %+v", out)
	}
	// the signing is recorded on the visit; the project's status is the staff's to move
	r := e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d", p.ID), admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"status":"planning"`) {
		t.Errorf("the project moved: %s", r.Body)
	}
	in := e.createVisit(admin, visitForm("in", "接待浙江客商考察团", "2030-05-10", ""))
	if in.TownshipCode != nil {
		t.Errorf("a district visit has no township: %+v", in)
	}
	ev := e.createVisit(admin, visitForm("event", "2029 年楚商回乡恳谈会", "2029-12-20", "990102"))

	// lists
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{in.ID, out.ID, ev.ID}}, // the latest visit first
		{"?year=2030", []int64{in.ID, out.ID}},
		{"?kind=event", []int64{ev.ID}},
		{"?township=990101", []int64{out.ID}},
		{fmt.Sprintf("?merchant_id=%d", b.PersonID), []int64{out.ID}},
		{fmt.Sprintf("?project_id=%d", p.ID), []int64{out.ID}},
		{"?year=2030&page_size=1&page=2", []int64{out.ID}},
	} {
		got, _ := e.visitList(admin, c.query)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	for _, q := range []string{"?year=1999", "?year=x", "?kind=走出去", "?merchant_id=abc", "?project_id=-1", "?township=x"} {
		expect(t, e.do("GET", "/admin/api/v1/visits"+q, admin, nil), 400, "VALIDATION_FAILED")
	}
	if s := e.visitStats(admin, "?year=2030"); s.Out != 1 || s.In != 1 || s.Event != 0 || s.Signed != 1 || s.OutTarget != 50 ||
		s.InTarget != 20 || s.EventTarget != 15 || s.Year != 2030 {
		t.Errorf("2030 = %+v", s)
	}
	if s := e.visitStats(admin, "?year=2029"); s.Out != 0 || s.Event != 1 {
		t.Errorf("2029 = %+v", s)
	}
	expect(t, e.do("GET", "/admin/api/v1/visits/stats?year=20300", admin, nil), 400, "VALIDATION_FAILED")

	// change at the version read; the stale one is refused
	path := fmt.Sprintf("/admin/api/v1/visits/%d", out.ID)
	expect(t, e.do("PATCH", path, admin, map[string]any{"outcome": "x"}), 422, "VALIDATION_FAILED")
	r = e.do("PATCH", path, admin, map[string]any{"outcome": "签订投资协议", "merchant_ids": []int64{a.PersonID}, "version": 1})
	expect(t, r, 200, "")
	r.json(t, &out)
	if out.Version != 2 || len(out.Merchants) != 1 || out.Merchants[0].ID != a.PersonID || len(out.Enterprises) != 2 || len(out.Projects) != 1 {
		t.Fatalf("patched = %s", r.Body)
	}
	expect(t, e.do("PATCH", path, admin, map[string]any{"outcome": "另一人的修改", "version": 1}), 409, "STALE_VERSION")
	expect(t, e.do("PATCH", "/admin/api/v1/visits/999999", admin, map[string]any{"version": 1}), 404, "NOT_FOUND")
	if got, _ := e.visitList(admin, fmt.Sprintf("?merchant_id=%d", b.PersonID)); len(got) != 0 {
		t.Errorf("merchant b was unlinked: %v", got)
	}

	// follow-ups
	fu := path + "/followups"
	for field, body := range map[string]map[string]any{
		"task":             {"task": "", "owner_department": "区招商局", "due_on": "2030-07-01"},
		"owner_department": {"task": "寄送项目可研报告", "due_on": "2030-07-01"},
		"due_on":           {"task": "寄送项目可研报告", "owner_department": "区招商局", "due_on": "2030-02-01"},
		"owner_staff_id":   {"task": "寄送项目可研报告", "owner_staff_id": 999999, "due_on": "2030-07-01"},
	} {
		r := e.do("POST", fu, admin, body)
		expect(t, r, 422, "VALIDATION_FAILED")
		if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("followup %s: %s", field, r.Body)
		}
	}
	r = e.do("POST", fu, admin, map[string]any{"task": "寄送项目可研报告", "owner_department": "区招商局", "due_on": "2030-06-10"})
	expect(t, r, 201, "")
	var late followupAnswer
	r.json(t, &late)
	if !late.Overdue || late.DoneAt != nil || late.OwnerDepartment != "区招商局" {
		t.Fatalf("late follow-up = %s", r.Body)
	}
	var adminID int64
	if err := e.db.Get(&adminID, "SELECT id FROM staff WHERE username = 'admin'"); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", fu, admin, map[string]any{"task": "安排客商实地考察", "owner_staff_id": adminID, "due_on": "2030-07-01"})
	expect(t, r, 201, "")
	var soon followupAnswer
	r.json(t, &soon)
	if soon.Overdue || soon.OwnerName == nil || *soon.OwnerName == "" {
		t.Fatalf("follow-up with an owner = %s", r.Body)
	}
	if s := e.visitStats(admin, "?year=2030"); s.Open != 2 || s.Overdue != 1 {
		t.Errorf("follow-ups = %+v", s)
	}
	if got, _ := e.visitList(admin, "?overdue=1"); fmt.Sprint(got) != fmt.Sprint([]int64{out.ID}) {
		t.Errorf("overdue list = %v", got)
	}
	// "mine": the open follow-ups given to one's account, or to one's department by name
	dept := e.staffOf("rs_visits", "department", "")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/visits/%d/followups", in.ID), admin,
		map[string]any{"task": "协调用工需求", "owner_department": "区人社局", "due_on": "2030-07-01"}), 201, "")
	if got, _ := e.visitList(admin, "?mine=1"); fmt.Sprint(got) != fmt.Sprint([]int64{out.ID}) {
		t.Errorf("admin's own = %v", got)
	}
	if got, _ := e.visitList(dept, "?mine=true"); fmt.Sprint(got) != fmt.Sprint([]int64{in.ID}) {
		t.Errorf("the department's own = %v", got)
	}
	r = e.do("GET", path, admin, nil)
	expect(t, r, 200, "")
	var got visitAnswer
	r.json(t, &got)
	if len(got.Followups) != 2 || got.Followups[0].ID != late.ID || got.Open != 2 || got.Overdue != 1 {
		t.Fatalf("detail = %s", r.Body)
	}
	done := fmt.Sprintf("%s/%d/done", fu, late.ID)
	r = e.do("POST", done, admin, map[string]string{"note": "已快递寄出"})
	expect(t, r, 200, "")
	r.json(t, &late)
	if late.DoneAt == nil || late.Overdue {
		t.Fatalf("done = %s", r.Body)
	}
	expect(t, e.do("POST", done, admin, nil), 409, "FOLLOWUP_DONE")
	expect(t, e.do("POST", fmt.Sprintf("%s/%d/done", fu, 999999), admin, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/visits/%d/followups/%d/done", in.ID, soon.ID), admin, nil), 404, "NOT_FOUND")
	if s := e.visitStats(admin, "?year=2030"); s.Open != 2 || s.Overdue != 0 {
		t.Errorf("after done = %+v", s)
	}
	// a day past their due date the other two are overdue
	clock.day("2030-07-02")
	if s := e.visitStats(admin, "?year=2030"); s.Overdue != 2 {
		t.Errorf("on 2030-07-02 = %+v", s)
	}

	for action, n := range map[string]int{"visit.create": 1, "visit.update": 1, "visit.followup": 2, "visit.followup_done": 1} {
		if got := e.visitAudits(action, out.ID); got != n {
			t.Errorf("%s audited %d times, want %d", action, got, n)
		}
	}
	expect(t, e.do("GET", "/admin/api/v1/visits", "", nil), 401, "SESSION_EXPIRED")
	user, _ := e.alumnus("o_visit_1", 402)
	expect(t, e.do("GET", "/admin/api/v1/visits", user, nil), 401, "")
}

// Township staff record visits of their township only (their township by default), see and
// count only those, and link only merchants and projects of their township; a merchant of
// another township that a district clerk linked is shown without its name and stays linked.
func TestVisits_townshipScoping(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	clerk := e.staffOf("gfq_visits", "township", "990101")
	dept := e.staffOf("zs_visits", "department", "")
	mine := e.createMerchant(admin, merchantForm(741, "990101", "13", "广东省", ""))
	theirs := e.createMerchant(admin, merchantForm(742, "990102", "13", "广东省", ""))
	theirProject := e.createProject(admin, projectForm("贺胜桥镇粮油加工", "C13", "food", "990102", 0))

	today := "2026-01-02"
	own := e.createVisit(clerk, visitForm("out", "赴武汉拜访官埠桥籍企业家", today, ""))
	if own.TownshipCode == nil || *own.TownshipCode != "990101" {
		t.Fatalf("a clerk's visit is of their township: %+v", own)
	}
	expect(t, e.do("POST", "/admin/api/v1/visits", clerk, visitForm("out", "越权登记", today, "990102")), 403, "FORBIDDEN")
	f := visitForm("in", "接待客商", today, "")
	f["merchant_ids"] = []int64{theirs.PersonID}
	expect(t, e.do("POST", "/admin/api/v1/visits", clerk, f), 422, "VALIDATION_FAILED")
	f = visitForm("in", "接待客商", today, "")
	f["project_ids"] = []int64{theirProject.ID}
	expect(t, e.do("POST", "/admin/api/v1/visits", clerk, f), 422, "VALIDATION_FAILED")

	other := e.createVisit(admin, visitForm("out", "赴杭州拜访贺胜桥籍企业家", today, "990102"))
	district := e.createVisit(dept, visitForm("event", "区招商推介会", today, ""))
	f = visitForm("in", "接待两镇客商", today, "990101")
	f["merchant_ids"] = []int64{mine.PersonID, theirs.PersonID}
	shared := e.createVisit(admin, f)

	ids, total := e.visitList(clerk, "")
	if total != 2 || fmt.Sprint(ids) != fmt.Sprint([]int64{shared.ID, own.ID}) {
		t.Errorf("clerk's list = %v (%d)", ids, total)
	}
	if _, total := e.visitList(clerk, "?township=990102"); total != 0 {
		t.Errorf("clerk filtering another township sees %d", total)
	}
	if _, total := e.visitList(dept, ""); total != 4 {
		t.Errorf("department sees %d, want 4", total)
	}
	for _, id := range []int64{other.ID, district.ID} {
		p := fmt.Sprintf("/admin/api/v1/visits/%d", id)
		expect(t, e.do("GET", p, clerk, nil), 404, "NOT_FOUND")
		expect(t, e.do("PATCH", p, clerk, map[string]any{"version": 1, "outcome": "越权修改"}), 404, "NOT_FOUND")
		expect(t, e.do("POST", p+"/followups", clerk, map[string]any{"task": "越权跟进", "owner_department": "镇政府", "due_on": today}),
			404, "NOT_FOUND")
	}
	r := e.do("GET", fmt.Sprintf("/admin/api/v1/visits/%d", shared.ID), clerk, nil)
	expect(t, r, 200, "")
	var sv visitAnswer
	r.json(t, &sv)
	hidden := 0
	for _, m := range sv.Merchants {
		if m.Hidden {
			hidden++
			if m.Name == "李四" {
				t.Errorf("hidden merchant named: %+v", m)
			}
		}
	}
	if hidden != 1 || len(sv.Merchants) != 2 {
		t.Errorf("clerk's view of the shared visit = %s", r.Body)
	}
	// the clerk changes it, sending back both merchants: the hidden one stays linked
	p := fmt.Sprintf("/admin/api/v1/visits/%d", shared.ID)
	expect(t, e.do("PATCH", p, clerk, map[string]any{"version": 1, "merchant_ids": []int64{mine.PersonID, theirs.PersonID},
		"outcome": "达成初步意向", "result": "intent"}), 200, "")
	expect(t, e.do("PATCH", p, clerk, map[string]any{"version": 2, "township_code": "990102"}), 403, "FORBIDDEN")

	if s := e.visitStats(clerk, "?year=2026"); s.Out != 1 || s.In != 1 || s.Event != 0 {
		t.Errorf("clerk's stats = %+v", s)
	}
	if s := e.visitStats(dept, "?year=2026"); s.Out != 2 || s.In != 1 || s.Event != 1 {
		t.Errorf("department's stats = %+v", s)
	}
}

// Of many parallel "done" on one follow-up exactly one succeeds (one audit entry); of many
// parallel changes at one version exactly one wins.
func TestVisits_parallelDoneAndPatchOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	v := e.createVisit(admin, visitForm("out", "赴深圳拜访咸安籍企业家", "2026-01-02", "990101"))
	path := fmt.Sprintf("/admin/api/v1/visits/%d", v.ID)
	r := e.do("POST", path+"/followups", admin, map[string]any{"task": "寄送资料", "owner_department": "区招商局", "due_on": "2026-02-01"})
	expect(t, r, 201, "")
	var fu followupAnswer
	r.json(t, &fu)

	const n = 10
	codes := make([]int, 2*n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", fmt.Sprintf("%s/followups/%d/done", path, fu.ID), admin, nil).Status
		}()
		go func() {
			defer wg.Done()
			codes[n+i] = e.do("PATCH", path, admin, map[string]any{"version": 1, "outcome": fmt.Sprintf("第 %d 位的修改", i)}).Status
		}()
	}
	wg.Wait()
	count := func(codes []int, status int) int {
		c := 0
		for _, s := range codes {
			if s == status {
				c++
			}
		}
		return c
	}
	if ok, conflict := count(codes[:n], http.StatusOK), count(codes[:n], http.StatusConflict); ok != 1 || conflict != n-1 {
		t.Errorf("done: %v", codes[:n])
	}
	if ok, conflict := count(codes[n:], http.StatusOK), count(codes[n:], http.StatusConflict); ok != 1 || conflict != n-1 {
		t.Errorf("patch: %v", codes[n:])
	}
	if got := e.visitAudits("visit.followup_done", v.ID); got != 1 {
		t.Errorf("done audited %d times", got)
	}
	if got := e.visitAudits("visit.update", v.ID); got != 1 {
		t.Errorf("update audited %d times", got)
	}
}
