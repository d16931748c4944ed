package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

// pointsPerson is the id of a demo alumnus who holds points (internal/demo/points.go).
func pointsPerson(e *env, name string) int64 {
	e.t.Helper()
	ms, err := e.app.Alumni.FindRecipients(context.Background(), adminActor(), name)
	if err != nil || len(ms) != 1 {
		e.t.Fatalf("find %s: %v %v", name, ms, err)
	}
	return ms[0].PersonID
}

func init() {
	mayPoints := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /points", Want: mayPoints, Shows: map[role][]string{dept: {"发放积分", "查找人员"}}},
		pageCase{Route: "GET /points/rules", Want: mayPoints, Shows: map[role][]string{
			dept:      {"积分规则", "引荐人才回归", "本单位可发放", "本单位不可发放"},
			districtR: {"捐资助学、公益捐赠", "每 1000 元 10"}}},
		pageCase{Route: "GET /points/stats", Want: mayPoints, Shows: map[role][]string{dept: {"积分统计", "发放积分", "data-chart", "欧阳明"}}},
		pageCase{Route: "GET /points/people/:id", Path: func(e *env) string { return fmt.Sprintf("/points/people/%d", pointsPerson(e, "欧阳明")) },
			Want: mayPoints, Shows: map[role][]string{dept: {"欧阳明 的积分", "当前余额", "引荐 2 名电商人才回乡创业", "冲正原因"}}},
	)
}

// TestPoints_departmentGrantsAndReverses: 区人社局 finds a demo alumna by name and by name with
// the phone's last four digits, grants under its rule, sees the new balance and the audit entry,
// is refused a rule of another department, and reverses the grant with a reason.
func TestPoints_departmentGrantsAndReverses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)

	found := c.get("/console/points?q=" + url.QueryEscape("司马兰"))
	found.mustShow(t, "司马兰", "139****9002", "4212**********", "校友（已审核）")
	tail := c.get("/console/points?q=" + url.QueryEscape("司马 9002"))
	tail.mustShow(t, "司马兰")
	none := c.get("/console/points?q=" + url.QueryEscape("司马兰 1234"))
	none.mustShow(t, "没有找到符合条件的人员")
	if strings.Contains(none.Body, "139****9002") {
		t.Fatal("a wrong last four digits still shows the person")
	}
	only4 := c.get("/console/points?q=9002")
	if only4.Status != http.StatusUnprocessableEntity || !strings.Contains(only4.Body, "与姓名一起输入") {
		t.Fatalf("last four digits alone: %d %s", only4.Status, only4.Body)
	}
	frag := c.do(htmxReq(e, "/console/points?q="+url.QueryEscape("司马兰"), "candidates"))
	if strings.Contains(frag.Body, "<html") || !strings.Contains(frag.Body, "司马兰") {
		t.Fatalf("htmx search answers the whole page or nothing: %s", frag.Body)
	}

	id := pointsPerson(e, "司马兰")
	form := c.get(fmt.Sprintf("/console/points?person=%d", id))
	form.mustShow(t, "向 司马兰 发放积分", "引荐人才回归", "单次最多 100 分")
	if strings.Contains(form.Body, `value="donation"`) {
		t.Fatal("the form offers a rule 区人社局 may not grant")
	}
	before, err := e.app.Points.Summary(t.Context(), id, 0)
	if err != nil {
		t.Fatal(err)
	}
	res := c.postForm("/console/points/grants", url.Values{"person_id": {fmt.Sprint(id)}, "rule": {"talent_referral"},
		"reference": {"TEST-YJ-1"}, "note": {"引荐会计人才"}})
	ledger := c.follow(res)
	want := before.Balance + 100
	ledger.mustShow(t, fmt.Sprintf("已发放 100 积分，当前余额 %d 分", want), fmt.Sprintf(`<strong id="points-balance">%d</strong>`, want), "TEST-YJ-1", "引荐会计人才")

	recs, err := audit.ListByActorName(t.Context(), e.app.DB, "demo_hrss", 20)
	if err != nil {
		t.Fatal(err)
	}
	var grantAudit bool
	for _, r := range recs {
		if r.Action == "points.grant" && r.TargetID == fmt.Sprint(id) && r.Detail != nil && strings.Contains(*r.Detail, "TEST-YJ-1") {
			grantAudit = true
		}
	}
	if !grantAudit {
		t.Fatalf("no audit entry of the grant by demo_hrss: %+v", recs)
	}

	again := c.postForm("/console/points/grants", url.Values{"person_id": {fmt.Sprint(id)}, "rule": {"talent_referral"}, "reference": {"TEST-YJ-1"}})
	if again.Status != http.StatusConflict || !strings.Contains(again.Body, "不能重复发放") {
		t.Fatalf("the same reference again: %d %s", again.Status, again.Body)
	}
	other := c.postForm("/console/points/grants", url.Values{"person_id": {fmt.Sprint(id)}, "rule": {"donation"}, "reference": {"R-1"}, "amount_yuan": {"5000"}})
	if other.Status != http.StatusForbidden || !strings.Contains(other.Body, "本单位不能按此积分规则发放积分") {
		t.Fatalf("another department's rule: %d %s", other.Status, other.Body)
	}

	page, err := e.app.Points.Entries(t.Context(), id, sqldb.PageRequest{Page: 1, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	entry := page.Items[0]
	short := c.postForm(fmt.Sprintf("/console/points/entries/%d/reverse", entry.ID), url.Values{"reason": {"x"}})
	if short.Status != http.StatusUnprocessableEntity || !strings.Contains(short.Body, "冲正原因") {
		t.Fatalf("reverse without a reason: %d %s", short.Status, short.Body)
	}
	rev := c.follow(c.postForm(fmt.Sprintf("/console/points/entries/%d/reverse", entry.ID), url.Values{"reason": {"依据编号填错"}}))
	rev.mustShow(t, fmt.Sprintf("已冲正 100 积分，当前余额 %d 分", before.Balance), "已冲正", "依据编号填错")

	// The district administrator grants a donation by its amount in yuan: 10 points per 1,000 yuan.
	admin := e.as(districtR)
	don := admin.follow(admin.postForm("/console/points/grants", url.Values{"person_id": {fmt.Sprint(id)}, "rule": {"donation"},
		"reference": {"JZ-2026-007"}, "amount_yuan": {"5,000.00"}}))
	don.mustShow(t, fmt.Sprintf("已发放 50 积分，当前余额 %d 分", before.Balance+50), "捐资助学、公益捐赠")
	small := admin.postForm("/console/points/grants", url.Values{"person_id": {fmt.Sprint(id)}, "rule": {"donation"},
		"reference": {"JZ-2026-008"}, "amount_yuan": {"999"}})
	if small.Status != http.StatusUnprocessableEntity || !strings.Contains(small.Body, "金额应在 1,000 元") {
		t.Fatalf("a donation under the rule's unit: %d %s", small.Status, small.Body)
	}

	if got := e.as(townA).postForm("/console/points/grants", url.Values{"person_id": {fmt.Sprint(id)}, "rule": {"talent_referral"}, "reference": {"T-2"}}); got.Status != http.StatusForbidden {
		t.Fatalf("a township clerk grants: %d", got.Status)
	}
}

func htmxReq(e *env, path, target string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Target", target)
	return req
}
