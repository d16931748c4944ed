package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

type projectAnswer struct {
	ID                int64   `json:"id"`
	Name              string  `json:"name"`
	IndustryCode      string  `json:"industry_code"`
	ChainCode         *string `json:"chain_code"`
	ChainName         *string `json:"chain_name"`
	TownshipCode      *string `json:"township_code"`
	TownshipName      *string `json:"township_name"`
	ParkID            *int64  `json:"park_id"`
	ParkName          *string `json:"park_name"`
	InvestmentFen     int64   `json:"investment_fen"`
	LandMuHundredths  int64   `json:"land_mu_hundredths"`
	ContactDepartment string  `json:"contact_department"`
	ContactPerson     string  `json:"contact_person"`
	Status            string  `json:"status"`
	StatusName        string  `json:"status_name"`
	PlanningOn        string  `json:"planning_on"`
	PackagingOn       *string `json:"packaging_on"`
	SignedOn          *string `json:"signed_on"`
	ProducingOn       *string `json:"producing_on"`
	TerminatedOn      *string `json:"terminated_on"`
	Published         bool    `json:"published"`
	PublishedAt       *string `json:"published_at"`
	Version           int     `json:"version"`
}

type projectPage struct {
	Items []projectAnswer `json:"items"`
	Total int             `json:"total"`
}

// projectForm is a valid project in township (and, when park is not 0, in that park).
func projectForm(name, industry, chain, township string, park int64) map[string]any {
	f := map[string]any{"name": name, "industry_code": industry, "investment_fen": int64(30_000_000) * 100,
		"land_mu_hundredths": 5050, "stage": "已完成可行性研究", "partner_wanted": "有食品加工经验的企业",
		"contact_department": "区招商服务中心", "contact_person": "王科长", "contact_phone": "0715-8000000",
		"description": "年产 5 万吨茶饮料生产线"}
	if chain != "" {
		f["chain_code"] = chain
	}
	if township != "" {
		f["township_code"] = township
	}
	if park != 0 {
		f["park_id"] = park
	}
	return f
}

func (e *env) createProject(token string, form map[string]any) projectAnswer {
	e.t.Helper()
	r := e.do("POST", "/admin/api/v1/projects", token, form)
	expect(e.t, r, 201, "")
	var p projectAnswer
	r.json(e.t, &p)
	return p
}

func (e *env) moveProject(token string, id int64, to string, extra map[string]any) response {
	e.t.Helper()
	body := map[string]any{"to": to}
	for k, v := range extra {
		body[k] = v
	}
	return e.do("POST", fmt.Sprintf("/admin/api/v1/projects/%d/status", id), token, body)
}

// A project is entered in planning, changed with its version (a stale one is refused), moved
// along 策划 → … → 投产 one step at a time, published only once packaged, shown to users without
// the internal contact, and every write is audited.
func TestProjects_lifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	user, _ := e.alumnus("o_project_1", 401)

	r := e.do("POST", "/admin/api/v1/service-points", admin, map[string]any{"name": "贺胜桥食品产业园", "kind": "park", "level": "township",
		"township_code": "990102", "lat": 29.8, "lng": 114.3})
	expect(t, r, 201, "")
	var park struct{ ID int64 }
	r.json(t, &park)

	// validation
	for field, bad := range map[string]map[string]any{
		"name":               {"name": "x"},
		"industry_code":      {"industry_code": "Z1"},
		"chain_code":         {"chain_code": "steel"},
		"township_code":      {"township_code": "990999"},
		"investment_fen":     {"investment_fen": 0},
		"land_mu_hundredths": {"land_mu_hundredths": -1},
		"contact_department": {"contact_department": ""},
	} {
		f := projectForm("咸安茶饮料生产线", "C15", "food", "990101", 0)
		for k, v := range bad {
			f[k] = v
		}
		r := e.do("POST", "/admin/api/v1/projects", admin, f)
		expect(t, r, 422, "VALIDATION_FAILED")
		if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %s", field, r.Body)
		}
	}
	noPlace := projectForm("咸安茶饮料生产线", "C15", "food", "", 0)
	expect(t, e.do("POST", "/admin/api/v1/projects", admin, noPlace), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/admin/api/v1/projects", admin, projectForm("无此园区", "C", "", "", 999999)), 422, "VALIDATION_FAILED")

	p := e.createProject(admin, projectForm("咸安茶饮料生产线", "C15", "food", "990101", 0))
	if p.Status != "planning" || p.StatusName != "策划" || p.Version != 1 || p.ChainName == nil || *p.ChainName != "食品饮料" ||
		p.TownshipName == nil || *p.TownshipName != "官埠桥镇" || p.InvestmentFen != 3_000_000_000 || p.Published || p.PlanningOn == "" {
		t.Fatalf("created = %+v", p)
	}
	inPark := e.createProject(admin, projectForm("园区配套包装项目", "C22", "", "", park.ID))
	if inPark.TownshipCode == nil || *inPark.TownshipCode != "990102" || inPark.ParkName == nil || *inPark.ParkName != "贺胜桥食品产业园" {
		t.Fatalf("a project in a park takes the park's township: %+v", inPark)
	}

	// moving a project to a park without naming a township takes the park's township
	r = e.do("POST", "/admin/api/v1/service-points", admin, map[string]any{"name": "官埠桥创业园", "kind": "park", "level": "township",
		"township_code": "990101", "lat": 29.8, "lng": 114.3})
	expect(t, r, 201, "")
	var park2 struct{ ID int64 }
	r.json(t, &park2)
	r = e.do("PATCH", fmt.Sprintf("/admin/api/v1/projects/%d", inPark.ID), admin, map[string]any{"park_id": park2.ID, "version": 1})
	expect(t, r, 200, "")
	r.json(t, &inPark)
	if inPark.TownshipCode == nil || *inPark.TownshipCode != "990101" || inPark.Version != 2 {
		t.Fatalf("moved to another park: %s", r.Body)
	}

	// update with the version read
	path := fmt.Sprintf("/admin/api/v1/projects/%d", p.ID)
	expect(t, e.do("PATCH", path, admin, map[string]any{"stage": "已取得用地预审"}), 422, "VALIDATION_FAILED")
	r = e.do("PATCH", path, admin, map[string]any{"stage": "已取得用地预审", "investment_fen": int64(50_000_000) * 100, "version": 1})
	expect(t, r, 200, "")
	r.json(t, &p)
	if p.Version != 2 || p.InvestmentFen != 5_000_000_000 || p.ContactDepartment != "区招商服务中心" {
		t.Fatalf("updated = %s", r.Body)
	}
	expect(t, e.do("PATCH", path, admin, map[string]any{"stage": "另一人的修改", "version": 1}), 409, "STALE_VERSION")
	expect(t, e.do("PATCH", path, admin, map[string]any{"industry_code": "c15", "version": 2}), 422, "VALIDATION_FAILED")
	expect(t, e.do("PATCH", "/admin/api/v1/projects/999999", admin, map[string]any{"version": 1}), 404, "NOT_FOUND")

	// a planning project cannot be published, and users do not see it
	expect(t, e.do("POST", path+"/publish", admin, nil), 409, "INVALID_TRANSITION")
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), user, nil), 404, "NOT_FOUND")

	// the status path and its refusals
	expect(t, e.moveProject(admin, p.ID, "promoting", nil), 409, "INVALID_TRANSITION")
	expect(t, e.moveProject(admin, p.ID, "planning", nil), 422, "VALIDATION_FAILED")
	expect(t, e.moveProject(admin, p.ID, "包装", nil), 422, "VALIDATION_FAILED")
	expect(t, e.moveProject(admin, p.ID, "packaging", map[string]any{"on": "2999-01-01"}), 422, "VALIDATION_FAILED")
	expect(t, e.moveProject(admin, p.ID, "packaging", map[string]any{"on": "2001-01-01"}), 422, "VALIDATION_FAILED") // before planning
	r = e.moveProject(admin, p.ID, "packaging", nil)
	expect(t, r, 200, "")
	r.json(t, &p)
	if p.Status != "packaging" || p.PackagingOn == nil || *p.PackagingOn != p.PlanningOn || p.Version != 3 {
		t.Fatalf("packaged = %s", r.Body)
	}

	// published: users see it, without the internal contact
	r = e.do("POST", path+"/publish", admin, nil)
	expect(t, r, 200, "")
	r.json(t, &p)
	if !p.Published || p.PublishedAt == nil {
		t.Fatalf("published = %s", r.Body)
	}
	expect(t, e.do("POST", path+"/publish", admin, nil), 200, "") // again: nothing changes
	r = e.do("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), user, nil)
	expect(t, r, 200, "")
	if body := string(r.Body); strings.Contains(body, "王科长") || strings.Contains(body, "0715-8000000") || strings.Contains(body, "contact_person") ||
		!strings.Contains(body, "区招商服务中心") || !strings.Contains(body, "食品饮料") {
		t.Fatalf("public project = %s", body)
	}
	var pub projectPage
	r = e.do("GET", "/api/v1/projects", user, nil)
	expect(t, r, 200, "")
	r.json(t, &pub)
	if pub.Total != 1 || pub.Items[0].ID != p.ID || pub.Items[0].ContactPerson != "" {
		t.Fatalf("public list = %s", r.Body)
	}
	expect(t, e.do("GET", "/api/v1/projects", "", nil), 401, "SESSION_EXPIRED")
	expect(t, e.do("GET", "/api/v1/projects?industry="+url.QueryEscape("区"), user, nil), 400, "VALIDATION_FAILED")

	for _, to := range []string{"promoting", "negotiating", "signed", "started", "producing"} {
		r = e.moveProject(admin, p.ID, to, map[string]any{"note": "按计划推进"})
		expect(t, r, 200, "")
		r.json(t, &p)
		if p.Status != to {
			t.Fatalf("%s: %s", to, r.Body)
		}
	}
	if p.SignedOn == nil || p.ProducingOn == nil || !p.Published {
		t.Fatalf("producing = %+v", p)
	}
	expect(t, e.moveProject(admin, p.ID, "terminated", map[string]any{"note": "投资方撤资"}), 409, "INVALID_TRANSITION")
	expect(t, e.moveProject(admin, p.ID, "started", nil), 409, "INVALID_TRANSITION")

	// unpublished: invisible again
	expect(t, e.do("POST", path+"/unpublish", admin, nil), 200, "")
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d", p.ID), user, nil), 404, "NOT_FOUND")

	// terminated: a reason is required, the project is taken off the mini program and can no
	// longer be published or moved
	inPath := fmt.Sprintf("/admin/api/v1/projects/%d", inPark.ID)
	expect(t, e.moveProject(admin, inPark.ID, "packaging", nil), 200, "")
	expect(t, e.do("POST", inPath+"/publish", admin, nil), 200, "")
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d", inPark.ID), user, nil), 200, "")
	expect(t, e.moveProject(admin, inPark.ID, "terminated", nil), 422, "VALIDATION_FAILED")
	r = e.moveProject(admin, inPark.ID, "terminated", map[string]any{"note": "选址调整，项目终止"})
	expect(t, r, 200, "")
	r.json(t, &inPark)
	if inPark.Status != "terminated" || inPark.TerminatedOn == nil || inPark.Published || inPark.PublishedAt != nil {
		t.Fatalf("terminated = %s", r.Body)
	}
	expect(t, e.do("GET", fmt.Sprintf("/api/v1/projects/%d", inPark.ID), user, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", inPath+"/publish", admin, nil), 409, "INVALID_TRANSITION")
	expect(t, e.moveProject(admin, inPark.ID, "promoting", nil), 409, "INVALID_TRANSITION")
	expect(t, e.moveProject(admin, 999999, "packaging", nil), 404, "NOT_FOUND")

	// every write audited
	var actions []string
	if err := e.db.Select(&actions, `SELECT action FROM audit_log WHERE target_type = 'project' AND target_id = ? ORDER BY id`,
		fmt.Sprint(p.ID)); err != nil {
		t.Fatal(err)
	}
	want := "project.create project.update project.status project.publish project.status project.status project.status project.status project.status project.unpublish"
	if got := strings.Join(actions, " "); got != want {
		t.Fatalf("audit = %s\nwant %s", got, want)
	}
	var detail string
	if err := e.db.Get(&detail, `SELECT detail FROM audit_log WHERE target_type = 'project' AND target_id = ? AND action = 'project.status'
		ORDER BY id DESC LIMIT 1`, fmt.Sprint(inPark.ID)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "选址调整") || !strings.Contains(detail, `"terminated"`) {
		t.Fatalf("terminate audit detail = %s", detail)
	}
}

// Filters narrow the list; the year's count is the projects packaged in the year against 30;
// township staff see and count their township's projects only and change none; department staff
// write them.
func TestProjects_filtersYearCountAndTownshipScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	clock := &trainingClock{}
	clock.day("2030-03-01")
	e.app.Projects.SetClock(clock.Now)
	admin := e.staffToken("admin", adminPasswd)
	e.createStaff(admin, map[string]string{"username": "town1", "password": "Township12345", "role": "township", "township_code": "990101"})
	town := e.staffToken("town1", "Township12345")
	e.createStaff(admin, map[string]string{"username": "invest1", "password": "Investment12345", "role": "department", "department": "区招商服务中心"})
	dept := e.staffToken("invest1", "Investment12345")

	tea := e.createProject(admin, projectForm("茶饮料生产线", "C15", "food", "990101", 0))
	cloth := e.createProject(dept, projectForm("服装加工厂", "C18", "textile", "990102", 0))
	chips := e.createProject(admin, projectForm("电子元器件", "C39", "electronics", "990102", 0))
	farm := e.createProject(admin, projectForm("生态农业园", "A", "", "990101", 0))
	expect(t, e.moveProject(admin, tea.ID, "packaging", map[string]any{"on": "2030-02-28"}), 422, "VALIDATION_FAILED") // before planning
	expect(t, e.moveProject(admin, tea.ID, "packaging", nil), 200, "")
	expect(t, e.moveProject(dept, cloth.ID, "packaging", nil), 200, "")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/projects/%d/publish", cloth.ID), dept, nil), 200, "")
	clock.day("2031-01-05")
	expect(t, e.moveProject(admin, chips.ID, "packaging", map[string]any{"on": "2031-01-02"}), 200, "")
	expect(t, e.moveProject(admin, tea.ID, "terminated", map[string]any{"note": "企业放弃"}), 200, "")

	list := func(token, query string) projectPage {
		t.Helper()
		r := e.do("GET", "/admin/api/v1/projects"+query, token, nil)
		expect(t, r, 200, "")
		var p projectPage
		r.json(t, &p)
		return p
	}
	ids := func(p projectPage) string {
		var s []string
		for _, it := range p.Items {
			s = append(s, fmt.Sprint(it.ID))
		}
		return strings.Join(s, ",")
	}
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{chips.ID, tea.ID, farm.ID, cloth.ID}}, // the latest changed first (the clock stands still: then the latest entered)
		{"?status=packaging", []int64{chips.ID, cloth.ID}},
		{"?industry=C", []int64{chips.ID, tea.ID, cloth.ID}},
		{"?industry=C18", []int64{cloth.ID}},
		{"?chain=electronics", []int64{chips.ID}},
		{"?township=990101", []int64{tea.ID, farm.ID}},
		{"?published=true", []int64{cloth.ID}},
		{"?published=false&township=990102", []int64{chips.ID}},
		{"?name=" + url.QueryEscape("服装"), []int64{cloth.ID}},
		{"?page_size=1&page=2", []int64{tea.ID}},
	} {
		got := list(admin, c.query)
		var want []string
		for _, id := range c.want {
			want = append(want, fmt.Sprint(id))
		}
		if ids(got) != strings.Join(want, ",") {
			t.Errorf("%s: got %s, want %s", c.query, ids(got), strings.Join(want, ","))
		}
	}
	if got := list(admin, "?page_size=1"); got.Total != 4 {
		t.Errorf("total = %d", got.Total)
	}
	for _, q := range []string{"?status=" + url.QueryEscape("签约"), "?industry=CC", "?industry=U", "?chain=" + url.QueryEscape("食品"), "?township=x", "?published=maybe"} {
		expect(t, e.do("GET", "/admin/api/v1/projects"+q, admin, nil), 400, "VALIDATION_FAILED")
	}
	// users filter the published ones
	user, _ := e.alumnus("o_project_2", 402)
	r := e.do("GET", "/api/v1/projects?chain=textile&township=990102&industry=C", user, nil)
	expect(t, r, 200, "")
	var pub projectPage
	r.json(t, &pub)
	if pub.Total != 1 || pub.Items[0].ID != cloth.ID {
		t.Fatalf("public filtered = %s", r.Body)
	}
	r = e.do("GET", "/api/v1/projects?chain=food", user, nil)
	expect(t, r, 200, "")
	r.json(t, &pub)
	if pub.Total != 0 {
		t.Fatalf("public chain=food = %s", r.Body)
	}

	// the year's count: projects that reached 包装 in the year (a terminated one still counts)
	type stats struct {
		Year, Packaged, Created, Terminated, Target int
	}
	year := func(token string, y int) stats {
		t.Helper()
		r := e.do("GET", fmt.Sprintf("/admin/api/v1/projects/stats?year=%d", y), token, nil)
		expect(t, r, 200, "")
		var s stats
		r.json(t, &s)
		return s
	}
	if s := year(admin, 2030); s != (stats{Year: 2030, Packaged: 2, Created: 4, Target: 30}) {
		t.Errorf("2030 = %+v", s)
	}
	if s := year(admin, 2031); s != (stats{Year: 2031, Packaged: 1, Terminated: 1, Target: 30}) {
		t.Errorf("2031 = %+v", s)
	}
	if s := year(town, 2030); s != (stats{Year: 2030, Packaged: 1, Created: 2, Target: 30}) {
		t.Errorf("township 2030 = %+v", s)
	}
	expect(t, e.do("GET", "/admin/api/v1/projects/stats?year=1999", admin, nil), 400, "VALIDATION_FAILED")
	expect(t, e.do("GET", "/admin/api/v1/projects/stats", admin, nil), 200, "")

	// township staff: their township only, read only
	if got := list(town, ""); ids(got) != fmt.Sprintf("%d,%d", tea.ID, farm.ID) {
		t.Errorf("township list = %s", ids(got))
	}
	if got := list(town, "?township=990102"); got.Total != 0 {
		t.Errorf("township staff asking for another township = %d", got.Total)
	}
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d", farm.ID), town, nil), 200, "")
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d", cloth.ID), town, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", "/admin/api/v1/projects", town, projectForm("乡镇项目", "A", "", "990101", 0)), 403, "FORBIDDEN")
	expect(t, e.do("PATCH", fmt.Sprintf("/admin/api/v1/projects/%d", farm.ID), town, map[string]any{"version": 1}), 403, "FORBIDDEN")
	expect(t, e.moveProject(town, farm.ID, "packaging", nil), 403, "FORBIDDEN")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/projects/%d/publish", farm.ID), town, nil), 403, "FORBIDDEN")
	// department staff see every township
	expect(t, e.do("GET", fmt.Sprintf("/admin/api/v1/projects/%d", farm.ID), dept, nil), 200, "")
	r = e.do("GET", "/admin/api/v1/projects/chains", town, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), "装备制造") || !strings.Contains(string(r.Body), "生物医药") {
		t.Fatalf("chains = %s", r.Body)
	}
}

// N staff move the same project from the same status at once: the row lock and the conditional
// UPDATE let exactly one through; the others get 409 INVALID_TRANSITION, and one status change is
// audited.
func TestProjects_parallelStatusMovesOneWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	p := e.createProject(admin, projectForm("并发测试项目", "C15", "food", "990101", 0))
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.moveProject(admin, p.ID, "packaging", map[string]any{"note": fmt.Sprintf("第 %d 人", i)}).Status
		}()
	}
	wg.Wait()
	won, lost := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			won++
		case http.StatusConflict:
			lost++
		default:
			t.Errorf("status %d", s)
		}
	}
	if won != 1 || lost != n-1 {
		t.Fatalf("won %d, lost %d: %v", won, lost, statuses)
	}
	var moves int
	if err := e.db.Get(&moves, `SELECT COUNT(*) FROM audit_log WHERE target_type = 'project' AND target_id = ? AND action = 'project.status'`,
		fmt.Sprint(p.ID)); err != nil {
		t.Fatal(err)
	}
	var version int
	if err := e.db.Get(&version, `SELECT version FROM projects WHERE id = ?`, p.ID); err != nil {
		t.Fatal(err)
	}
	if moves != 1 || version != 2 {
		t.Fatalf("audited moves = %d, version = %d", moves, version)
	}
}

// Code fields of a project's bodies with hostile values answer 4xx, never 500.
func TestProjects_hostileBodies_no5xx(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	p := e.createProject(admin, projectForm("恶意输入测试", "C15", "food", "990101", 0))
	path := fmt.Sprintf("/admin/api/v1/projects/%d", p.ID)
	for _, v := range hostileValues {
		for _, field := range []string{"industry_code", "chain_code", "township_code", "name", "contact_department", "stage"} {
			f := projectForm("恶意输入测试", "C15", "food", "990101", 0)
			f[field] = v
			if r := e.do("POST", "/admin/api/v1/projects", admin, f); r.Status >= 500 {
				t.Errorf("POST %s=%.40q: %d %.300s", field, v, r.Status, r.Body)
			}
			f["version"] = 1
			if r := e.do("PATCH", path, admin, f); r.Status >= 500 {
				t.Errorf("PATCH %s=%.40q: %d %.300s", field, v, r.Status, r.Body)
			}
		}
		if r := e.moveProject(admin, p.ID, v, map[string]any{"on": v, "note": v}); r.Status >= 500 {
			t.Errorf("status to=%.40q: %d %.300s", v, r.Status, r.Body)
		}
		if r := e.moveProject(admin, p.ID, "terminated", map[string]any{"on": v, "note": v}); r.Status >= 500 {
			t.Errorf("terminate on=%.40q: %d %.300s", v, r.Status, r.Body)
		}
	}
	for _, body := range []any{`{"park_id": -5, "version": 1}`, `{"investment_fen": 1e30, "version": 1}`, `{"park_id": "x"}`, `[]`, `null`} {
		if r := e.do("PATCH", path, admin, body); r.Status >= 500 {
			t.Errorf("PATCH %s: %d %.300s", body, r.Status, r.Body)
		}
	}
}
