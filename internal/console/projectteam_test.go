package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"huixiang/internal/cn"
	"huixiang/internal/project"
	"huixiang/internal/projectteam"
)

// staffNo is the ID of the demo account username, as a number.
func staffNo(e *env, username string) int64 {
	e.t.Helper()
	st, err := e.app.Staff.GetByUsername(e.t.Context(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	return st.ID
}

// signedProject is project name in township, moved to 签约 today through the service.
func signedProject(e *env, name, township string) int64 {
	e.t.Helper()
	id := projectIn(e, name, township)
	for _, to := range []string{project.Packaging, project.Promoting, project.Negotiating, project.Signed} {
		if _, err := e.app.Projects.Move(context.Background(), adminActor(), id, project.MoveInput{To: to}); err != nil {
			e.t.Fatal(err)
		}
	}
	return id
}

// teamedProject is a signed project whose team is 区人社局 (demo_hrss leads, the 官埠桥镇 clerk is
// the cadre).
func teamedProject(e *env, name, township string) int64 {
	e.t.Helper()
	id := signedProject(e, name, township)
	if _, err := e.app.ProjectTeams.SetTeam(context.Background(), adminActor(), id, projectteam.TeamInput{
		LeaderID: staffNo(e, "demo_hrss"), Department: "区人社局", CadreID: staffNo(e, "demo_guanbuqiao")}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func init() {
	addPages(
		pageCase{Route: "GET /projects/approval-time", Want: every, Shows: map[role][]string{
			dept:      {"审批提速", "审批基线", "保存基线", "规划许可", "对照 −20% 目标"},
			townA:     {"审批提速", "本镇项目", "基线由区级管理员和区直部门设置"},
			districtR: {"审批提速", "保存基线"}}},
		pageCase{Route: "GET /projects/:id/team", Path: func(e *env) string {
			return fmt.Sprintf("/projects/%d/team", teamedProject(e, "官埠桥镇帮办项目", "990101"))
		}, Want: map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200}, Shows: map[role][]string{
			districtR: {"一对一帮办团队", "区人社局", "保存帮办团队", "施工许可", `name="actual_start"`},
			dept:      {"一对一帮办团队", "区人社局", "保存审批节点", "帮办团队由区级管理员配备"},
			townA:     {"一对一帮办团队", "区人社局", "保存审批节点"}}}, // the 官埠桥镇 clerk is the cadre
	)
}

// TestProjectTeam_setTeamMilestonesAndBaselines: the administrator sets a signed project's team
// from the selects; the cadre records milestones (an overdue planned date is marked, dates going
// backwards are refused with what was typed kept); a department sets a baseline and the approval
// page and the home page's target show the change against −20%.
func TestProjectTeam_setTeamMilestonesAndBaselines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	// the services' clock stands at noon today (Beijing), so that no date moves during the test
	y, m, d := time.Now().In(cn.Zone).Date()
	noon := time.Date(y, m, d, 12, 0, 0, 0, cn.Zone)
	e.app.Projects.SetClock(func() time.Time { return noon })
	e.app.ProjectTeams.SetClock(func() time.Time { return noon })
	today := noon.Format(time.DateOnly)

	planning := projectIn(e, "尚在策划的项目", "990101")
	got := admin.postForm(fmt.Sprintf("/console/projects/%d/team", planning), url.Values{"leader_id": {"1"}, "department": {"区人社局"},
		"cadre_id": {"1"}, "version": {"0"}})
	if got.Status != http.StatusConflict || !strings.Contains(got.Body, "项目签约后才能配备帮办团队") {
		t.Fatalf("team before signing: %d %s", got.Status, got.Body)
	}
	if p := admin.get(fmt.Sprintf("/console/projects/%d", planning)); strings.Contains(p.Body, "/team") {
		t.Fatal("an unsigned project's page links to the team")
	}

	id := signedProject(e, "贺胜桥镇茶叶深加工", "990102")
	detail := admin.get(fmt.Sprintf("/console/projects/%d", id))
	detail.mustShow(t, fmt.Sprintf(`href="/console/projects/%d/team"`, id), "一对一帮办团队与审批节点")
	teamPath := fmt.Sprintf("/console/projects/%d/team", id)
	page := admin.get(teamPath)
	page.mustShow(t, "还没有配备帮办团队", "配备帮办团队", "区人社局（演示）")

	form := url.Values{"leader_id": {(staffID(e, "demo_guanbuqiao"))}, "department": {"区人社局"},
		"cadre_id": {(staffID(e, "demo_heshengqiao"))}, "version": {"0"}}
	got = admin.postForm(teamPath, form)
	if got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "区级领导应为在用的区级管理员或区直部门账号") {
		t.Fatalf("a township clerk as leader: %d %s", got.Status, got.Body)
	}
	form.Set("leader_id", (staffID(e, "demo_hrss")))
	got = admin.follow(admin.postForm(teamPath, form))
	got.mustShow(t, "已保存“贺胜桥镇茶叶深加工”的帮办团队", "区人社局（演示）", "第 1 版")

	// the cadre (the 贺胜桥镇 clerk) keeps the milestones
	cadre := e.as(townB)
	ms := url.Values{"actual_approval": {today}, "planned_land": {"2020-01-01"}, "planned_start": {"2099-01-01"}}
	got = cadre.follow(cadre.postForm(fmt.Sprintf("/console/projects/%d/milestones", id), ms))
	got.mustShow(t, "已保存审批节点", `class="overdue"`, "已逾期", `value="2099-01-01"`)
	if strings.Count(got.Body, "已逾期") != 1 {
		t.Fatalf("one milestone is overdue:\n%s", got.Body)
	}
	bad := url.Values{"actual_approval": {today}, "actual_land": {"2020-01-02"}, "planned_start": {"2099-01-01"}}
	got = cadre.postForm(fmt.Sprintf("/console/projects/%d/milestones", id), bad)
	if got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("backwards: %d %s", got.Status, got.Body)
	}
	got.mustShow(t, "不能早于签约日期", `value="2020-01-02"`)
	// another township's clerk does not see the team
	if p := e.as(townA).get(teamPath); p.Status != http.StatusNotFound {
		t.Fatalf("another township: %d", p.Status)
	}

	// baselines and the approval time
	dept := e.as(dept)
	got = dept.follow(dept.postForm("/console/projects/approval-time", url.Values{"days_approval": {"10"}, "days_land": {""}}))
	got.mustShow(t, "已保存审批基线", "区人社局（演示）", "-100.0%", "达标", "总体变化")
	got = dept.postForm("/console/projects/approval-time", url.Values{"days_approval": {"十天"}})
	if got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "基线天数请填写 1 到 3650 之间的整数") {
		t.Fatalf("bad baseline: %d %s", got.Status, got.Body)
	}
	if p := e.as(townA).postForm("/console/projects/approval-time", url.Values{"days_approval": {"5"}}); p.Status != http.StatusForbidden {
		t.Fatalf("a township clerk sets baselines: %d", p.Status)
	}
	home := dept.get("/console/")
	home.mustShow(t, "审批提速（用时中位数较基线 -100.0%，目标 -20%）", "100% / 20%")
}

// TestProjectTeam_startFollowsStatus: a project moved to 开工 shows its start milestone's date
// as following the project's status, beside an empty box (an entered date would win).
func TestProjectTeam_startFollowsStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := teamedProject(e, "官埠桥镇开工项目", "990101")
	if _, err := e.app.Projects.Move(context.Background(), adminActor(), id, project.MoveInput{To: project.Started}); err != nil {
		t.Fatal(err)
	}
	p, err := e.app.Projects.Get(context.Background(), adminActor(), id)
	if err != nil || p.StartedOn == nil {
		t.Fatalf("project: %v %+v", err, p)
	}
	page := e.as(dept).get(fmt.Sprintf("/console/projects/%d/team", id))
	if page.Status != http.StatusOK {
		t.Fatalf("team page: %d", page.Status)
	}
	page.mustShow(t, "随项目状态："+*p.StartedOn, `name="actual_start" aria-label="开工实际日期" max="`)
	if i := strings.Index(page.Body, `name="actual_start"`); i < 0 || !strings.Contains(page.Body[i:i+200], `value=""`) {
		t.Fatal("the start box should be empty when the date follows the status")
	}
	if n := strings.Count(page.Body, "随项目状态："); n != 1 { // 投产 not reached: nothing to follow
		t.Fatal("only 开工 follows the status here")
	}
}
