package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/appeal"
	"huixiang/internal/cn"
)

// appealFixture is what newAppeals sets up, all by a registered person of 官埠桥镇: overdue
// (assigned to 区人社局 ten days ago, due eight days ago, no reply), waiting (submitted), and
// done (replied, closed and rated 满意).
type appealFixture struct {
	overdue, waiting, done int64
	requester              string
	user                   int64
}

var (
	appealFixturesMu sync.Mutex
	appealFixtures   = map[*env]appealFixture{}
)

// hrssActor is demo_hrss, department staff of 区人社局, acting through a service.
func hrssActor(e *env) actor.Actor {
	return actor.Staff(hrssID(e), "demo_hrss", actor.Department, "区人社局", "")
}

func newAppeals(e *env) appealFixture {
	e.t.Helper()
	appealFixturesMu.Lock()
	defer appealFixturesMu.Unlock()
	if f, ok := appealFixtures[e]; ok {
		return f
	}
	ctx := context.Background()
	var pid int64
	if err := e.app.DB.Get(&pid, `SELECT p.id FROM persons p JOIN returnees r ON r.person_id = p.id
		WHERE r.township_code = '990101' AND p.user_id IS NULL ORDER BY p.id LIMIT 1`); err != nil {
		e.t.Fatal(err)
	}
	now := time.Now().UTC()
	res, err := e.app.DB.Exec(`INSERT INTO users (openid, created_at, updated_at, last_login_at) VALUES (?, ?, ?, ?)`,
		fmt.Sprintf("o-appeal-%d", pid), now, now, now)
	if err != nil {
		e.t.Fatal(err)
	}
	user, _ := res.LastInsertId()
	if _, err := e.app.DB.Exec(`UPDATE persons SET user_id = ? WHERE id = ?`, user, pid); err != nil {
		e.t.Fatal(err)
	}
	f := appealFixture{user: user}
	if err := e.app.DB.Get(&f.requester, `SELECT name FROM persons WHERE id = ?`, pid); err != nil {
		e.t.Fatal(err)
	}
	svc := e.app.Appeals
	must := func(a *appeal.Appeal, err error) int64 {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
		return a.ID
	}
	hrss := hrssActor(e)
	t0 := time.Now().Add(-10 * 24 * time.Hour)
	svc.SetClock(func() time.Time { return t0 })
	f.overdue = must(svc.Create(ctx, user, appeal.Input{Category: "land_labor", Text: "厂房扩建需要用地指标，一直没有答复"}))
	must(svc.Assign(ctx, adminActor(), f.overdue, appeal.AssignInput{Department: "区人社局", DueDate: t0.In(cn.Zone).AddDate(0, 0, 2).Format(time.DateOnly)}))
	f.done = must(svc.Create(ctx, user, appeal.Input{Category: "policy", Text: "返乡创业补贴怎么申请"}))
	must(svc.Assign(ctx, adminActor(), f.done, appeal.AssignInput{Department: "区人社局", DueDate: t0.In(cn.Zone).AddDate(0, 0, 5).Format(time.DateOnly)}))
	must(svc.Reply(ctx, hrss, f.done, "请到区政务中心人社窗口申请。"))
	must(svc.Close(ctx, hrss, f.done, ""))
	must(svc.Rate(ctx, user, f.done, appeal.RateInput{Rating: appeal.RatingSatisfied}))
	svc.SetClock(nil)
	f.waiting = must(svc.Create(ctx, user, appeal.Input{Category: "infrastructure", Text: "村口路灯坏了三个月"}))
	appealFixtures[e] = f
	e.t.Cleanup(func() {
		appealFixturesMu.Lock()
		delete(appealFixtures, e)
		appealFixturesMu.Unlock()
	})
	return f
}

func init() {
	addPages(
		pageCase{Route: "GET /requests", Path: func(e *env) string { newAppeals(e); return "/requests" }, Want: every, Shows: map[role][]string{
			dept: {"诉求办理", "超期未办", "厂房扩建需要用地指标"}, districtR: {"诉求办理", "待交办", "村口路灯坏了三个月"},
			townA: {"厂房扩建需要用地指标"}}},
		pageCase{Route: "GET /requests/stats", Want: every, Shows: map[role][]string{districtR: {"诉求办理统计", "区人社局", "100.0%", "满意率"}}},
		pageCase{Route: "GET /requests/:id", Path: func(e *env) string { return fmt.Sprintf("/requests/%d", newAppeals(e).overdue) },
			Want:  map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200},
			Shows: map[role][]string{dept: {"诉求 #", "超期未办", "答复诉求人", "办理过程"}, districtR: {"改派部门", "交办部门"}, townA: {"厂房扩建需要用地指标"}}},
	)
}

// TestAppeals_consoleDispatchReplyClose: the dispatcher assigns the waiting request with the
// form, the department replies and closes it, the requester's inbox has each step; township
// staff only read; the dashboard counts the overdue request for the department.
func TestAppeals_consoleDispatchReplyClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newAppeals(e)
	admin, dept, town, townB := e.as(districtR), e.as(dept), e.as(townA), e.as(townB)

	// The dashboard's escalation tile: one overdue request, for the district and the department.
	for _, c := range []*client{admin, dept, town} {
		c.get("/console/").mustShow(t, "超期未办诉求", "/console/requests?overdue=1")
	}
	list := dept.get("/console/requests")
	list.mustShow(t, "row-overdue", f.requester)
	if strings.Contains(list.Body, "村口路灯") {
		t.Error("the department sees a request not assigned to it")
	}
	if i, j := strings.Index(admin.get("/console/requests").Body, fmt.Sprintf("request-%d", f.overdue)),
		strings.Index(admin.get("/console/requests").Body, fmt.Sprintf("request-%d", f.waiting)); i < 0 || j < 0 || i > j {
		t.Errorf("the overdue request is not listed first (%d, %d)", i, j)
	}
	admin.get("/console/requests?overdue=1").mustShow(t, "厂房扩建需要用地指标")
	if p := admin.get("/console/requests?overdue=1"); strings.Contains(p.Body, "村口路灯") {
		t.Error("the overdue filter shows a waiting request")
	}
	admin.get("/console/requests?category=infrastructure").mustShow(t, "村口路灯")
	if p := admin.get("/console/requests?status=nope"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: %d", p.Status)
	}
	if p := townB.get("/console/requests"); strings.Contains(p.Body, "村口路灯") {
		t.Error("township B sees township A's request")
	}

	path := fmt.Sprintf("/console/requests/%d", f.waiting)
	// Township staff may not assign; the department has no assign form.
	if p := town.postForm(path+"/assign", url.Values{"department": {"区人社局"}, "due_date": {time.Now().In(cn.Zone).AddDate(0, 0, 3).Format(time.DateOnly)}}); p.Status != http.StatusForbidden {
		t.Errorf("township assign: %d", p.Status)
	}
	// A due date in the past is refused with the reason.
	p := admin.follow(admin.postForm(path+"/assign", url.Values{"department": {"区人社局"}, "due_date": {"2020-01-01"}}))
	p.mustShow(t, "办理期限不能早于今天")
	p = admin.follow(admin.postForm(path+"/assign", url.Values{"department": {"区人社局"},
		"due_date": {time.Now().In(cn.Zone).AddDate(0, 0, 3).Format(time.DateOnly)}, "note": {"请尽快联系住建"}}))
	p.mustShow(t, "已交办区人社局", "请尽快联系住建")
	// Now the department answers it.
	d := dept.get(path)
	d.mustShow(t, "答复诉求人", "村口路灯坏了三个月")
	if strings.Contains(d.Body, "改派部门") {
		t.Error("the department sees the dispatcher's form")
	}
	if p := town.postForm(path+"/reply", url.Values{"reply": {"我们来答"}}); p.Status != http.StatusSeeOther {
		t.Errorf("township reply: %d", p.Status)
	} else {
		town.follow(p).mustShow(t, "只有承办部门")
	}
	dept.follow(dept.postForm(path+"/reply", url.Values{"reply": {"已安排维修，本周内修好。"}})).mustShow(t, "答复已发送给诉求人", "已安排维修")
	dept.follow(dept.postForm(path+"/close", url.Values{})).mustShow(t, "诉求已办结", "已办结")
	var titles []string
	if err := e.app.DB.Select(&titles, `SELECT title FROM inbox_messages WHERE user_id = ? AND ref_type = 'appeal' AND ref_id = ? ORDER BY id`,
		f.user, f.waiting); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(titles, "|"); got != "诉求已提交|诉求已交办区人社局|区人社局答复了您的诉求|诉求已办结，请评价" {
		t.Errorf("the requester was told %q", got)
	}
	admin.get("/console/requests/stats").mustShow(t, "区人社局", "100.0%")
}
