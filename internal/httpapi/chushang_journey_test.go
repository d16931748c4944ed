package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"huixiang/internal/cn"
)

// TestChushangJourney is issue 14's "done when", end to end through the router: staff import
// 200 merchants from a sheet and publish a project, see the merchants it fits with reasons; a
// merchant confirms their record, sees the project recommended with its reasons and says 感兴趣,
// which staff see; staff record the visit and the signing, set up the service team and keep the
// approval milestones; a request goes from submission to a rated close; the year's figures (update
// rate, projects, visits, approval time) are what the dashboard shows.
func TestChushangJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	today := time.Now().In(cn.Zone).Format(time.DateOnly)
	year := time.Now().In(cn.Zone).Year()

	// 1. 200 merchants from a sheet.
	var rows []map[string]string
	for i := range 200 {
		town := "官埠桥镇"
		if i%2 == 1 {
			town = "990102"
		}
		rows = append(rows, merchantRow(300+i, town))
	}
	rep := e.importMerchants(admin, "chushang.xlsx", sheet(t, merchantHeader, rows))
	if rep.RowsCreated != 200 || rep.RowsFailed != 0 {
		t.Fatalf("import: created %d failed %d", rep.RowsCreated, rep.RowsFailed)
	}

	// 2. A project, packaged and published.
	form := projectForm("青砖茶饮料生产线", "C13", "food", "990102", 0)
	form["description"] = "年产 5 万吨茶叶饮料生产线，收购本地茶叶"
	p := e.createProject(admin, form)
	expect(t, e.moveProject(admin, p.ID, "packaging", nil), 200, "")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/projects/%d/publish", p.ID), admin, nil), 200, "")

	// 3. The merchants it fits, with reasons in words.
	pm := e.projectMatches(admin, p.ID)
	if len(pm.Items) < 10 || pm.Items[0].Score < 50 || !slices.Contains(pm.Items[0].Reasons, "同属农副食品加工业") {
		t.Fatalf("matches: %d items, first %+v", len(pm.Items), pm.Items[0])
	}

	// 4. A merchant in the mini program: their record, confirmed; 为您推荐 with the reasons; 感兴趣.
	tok, pid := e.alumnus("o_chushang_journey", 977)
	body := merchantForm(977, "990102", "13", "广东省", "1000_5000", "tea")
	body["preferred_township"] = "990102"
	delete(body, "name")
	delete(body, "id_card")
	delete(body, "phone")
	expect(t, e.do("PUT", "/api/v1/me/merchant", tok, body), 200, "")
	if _, err := e.db.Exec(`UPDATE merchants SET confirmed_at = DATE_SUB(UTC_TIMESTAMP(3), INTERVAL 400 DAY) WHERE person_id = ?`, pid); err != nil {
		t.Fatal(err)
	}
	var mine struct {
		Fresh bool `json:"fresh"`
	}
	r := e.do("GET", "/api/v1/me/merchant", tok, nil)
	expect(t, r, 200, "")
	if r.json(t, &mine); mine.Fresh {
		t.Fatal("a record confirmed 400 days ago is fresh")
	}
	r = e.do("POST", "/api/v1/me/merchant/confirm", tok, nil)
	expect(t, r, 200, "")
	if r.json(t, &mine); !mine.Fresh {
		t.Fatalf("confirmed record = %s", r.Body)
	}
	r = e.do("GET", "/api/v1/me/matches", tok, nil)
	expect(t, r, 200, "")
	var rec struct {
		Items []struct {
			Project struct {
				ID int64 `json:"id"`
			} `json:"project"`
			Score      int      `json:"score"`
			Reasons    []string `json:"reasons"`
			Interested bool     `json:"interested"`
		} `json:"items"`
	}
	r.json(t, &rec)
	if len(rec.Items) != 1 || rec.Items[0].Project.ID != p.ID || !slices.Contains(rec.Items[0].Reasons, "籍贯贺胜桥镇，项目在贺胜桥镇") {
		t.Fatalf("为您推荐 = %s", r.Body)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/matches/%d/interest", p.ID), tok, nil), 201, "")
	if it := itemOf(t, e.projectMatches(admin, p.ID), pid); it.InterestedAt == nil {
		t.Fatalf("staff do not see the interest: %+v", it)
	}

	// 5. Staff contact the merchant, visit, and the project is signed.
	match := fmt.Sprintf("/admin/api/v1/projects/%d/matches/%d", p.ID, pid)
	expect(t, e.do("PATCH", match, admin, map[string]any{"status": "contacted", "note": "电话联系"}), 200, "")
	for _, to := range []string{"promoting", "negotiating", "signed"} {
		expect(t, e.moveProject(admin, p.ID, to, nil), 200, "")
	}
	v := visitForm("out", "赴深圳拜访楚商", today, "")
	v["merchant_ids"] = []int64{pid}
	v["project_ids"] = []int64{p.ID}
	v["result"] = "signed"
	e.createVisit(admin, v)
	expect(t, e.do("PATCH", match, admin, map[string]any{"status": "signed", "note": "签约", "version": 2}), 200, "")

	// 6. The service team and the approval milestones.
	leader := e.createStaff(admin, map[string]string{"username": "journey-lead", "password": "Investment12345", "role": "department", "department": "区招商服务中心"})
	cadre := e.createStaff(admin, map[string]string{"username": "journey-cadre", "password": "Township12345", "role": "township", "township_code": "990102"})
	expect(t, e.do("PUT", fmt.Sprintf("/admin/api/v1/projects/%d/team", p.ID), admin,
		map[string]any{"leader_id": leader.ID, "department": "区招商服务中心", "cadre_id": cadre.ID, "version": 0}), 200, "")
	expect(t, e.do("PUT", fmt.Sprintf("/admin/api/v1/projects/%d/milestones", p.ID), admin, map[string]any{"milestones": []any{
		map[string]any{"milestone": "approval", "planned_on": today, "actual_on": today},
		map[string]any{"milestone": "land", "planned_on": today}}}), 200, "")
	expect(t, e.do("PUT", "/admin/api/v1/approval-baselines", admin, map[string]any{"baselines": []any{
		map[string]any{"milestone": "approval", "days": 30}}}), 200, "")
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/projects/approval-time?year=%d", year), admin, nil)
	expect(t, r, 200, "")
	var at approvalAnswer
	r.json(t, &at)
	if at.Projects != 1 || at.Items[0].Change == nil || *at.Items[0].Change != -100 || !*at.Items[0].Met {
		t.Fatalf("approval time = %s", r.Body)
	}

	// 7. A request from submission to a rated close.
	dept := e.staffToken("journey-lead", "Investment12345")
	q := e.request("POST", "/api/v1/requests", tok, map[string]any{"category": "land_labor", "text": "茶饮料项目用工招聘需要支持。"}, 201)
	e.request("POST", reqPath(true, q.ID, "/assign"), admin, map[string]any{"department": "区招商服务中心", "due_date": dueIn(7)}, 200)
	e.request("POST", reqPath(true, q.ID, "/reply"), dept, map[string]any{"reply": "已对接区人社局专场招聘会。"}, 200)
	e.request("POST", reqPath(true, q.ID, "/close"), dept, map[string]any{"note": "已办结"}, 200)
	if got := e.request("POST", reqPath(false, q.ID, "/rate"), tok, map[string]any{"rating": "satisfied"}, 200); got.Rating == nil || *got.Rating != "satisfied" {
		t.Fatalf("rated = %+v", got)
	}

	// 8. The year's figures against the plan.
	r = e.do("GET", "/admin/api/v1/merchants/freshness", admin, nil)
	expect(t, r, 200, "")
	var fr struct {
		Total int     `json:"total"`
		Rate  float64 `json:"rate"`
	}
	r.json(t, &fr)
	if fr.Total != 201 || fr.Rate != 1 {
		t.Fatalf("freshness = %s", r.Body)
	}
	r = e.do("GET", fmt.Sprintf("/admin/api/v1/projects/stats?year=%d", year), admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"packaged":1`) {
		t.Fatalf("project stats = %s", r.Body)
	}
	if s := e.visitStats(admin, fmt.Sprintf("?year=%d", year)); s.Out != 1 || s.Signed != 1 || s.OutTarget != 50 || s.InTarget != 20 {
		t.Fatalf("visit stats = %+v", s)
	}
}
