package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"huixiang/internal/actor"
	"huixiang/internal/region"
	"huixiang/internal/staff"
)

func init() {
	addPages(pageCase{Route: "GET /", Want: every, Shows: map[role][]string{
		townA:     {"待办事项", "待镇级初审", "长期未核实的登记", "本镇数据概况", `data-chart=`},
		townB:     {"待镇级初审", "本镇数据概况"},
		dept:      {"待区级复审", "待登记放款", "待审核校友", "全区数据概况"},
		districtR: {"待镇级初审", "待区级复审", "待登记放款", "待审核校友", "发送失败的消息", "全区数据概况"},
	}})
}

// stat returns the number of the to-do labelled label and the link it sits in.
func stat(t *testing.T, body, label string) (string, string) {
	t.Helper()
	re := regexp.MustCompile(`<a class="stat[^"]*" href="([^"]*)">\s*<strong>(\d+)</strong>\s*<span class="stat-label">` + regexp.QuoteMeta(label) + `</span>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no to-do %q on the page:\n%s", label, body)
	}
	return m[2], html.UnescapeString(m[1])
}

// charts returns the data-chart options of the page by chart element id (HTML-unescaped JSON).
func charts(body string) map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`<div class="chart" (?:id|data-question)="([^"]+)"[^>]* data-chart="([^"]*)"`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// TestHome_townshipClerkSeesOwnToDosAndCharts: the clerk of 官埠桥镇 sees the numbers of their
// own township, each linking to its filtered list, and charts of their township only.
func TestHome_townshipClerkSeesOwnToDosAndCharts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Two of 官埠桥镇's records and one of 贺胜桥镇's were last confirmed 200 days ago.
	old := time.Now().UTC().Add(-200 * 24 * time.Hour)
	e.app.DB.MustExec(`UPDATE returnees r JOIN persons p ON p.id = r.person_id SET r.confirmed_at = ? WHERE p.name IN ('张建国', '李秀英', '黄敏')`, old)

	home := e.as(townA).get("/console/")
	if home.Status != http.StatusOK {
		t.Fatalf("home: %d", home.Status)
	}
	n, href := stat(t, home.Body, "长期未核实的登记")
	if n != "2" || href != "/console/returnees?stale=1" {
		t.Errorf("stale to-do: %s → %s, want 2 → /console/returnees?stale=1", n, href)
	}
	if _, href := stat(t, home.Body, "待镇级初审"); href != "/console/applications?stage=submitted" {
		t.Errorf("review to-do links to %s", href)
	}
	if _, href := stat(t, home.Body, "近期认领待核查"); href != "/console/returnees/claims" {
		t.Errorf("claims to-do links to %s", href)
	}
	for _, s := range []string{"待区级复审", "待审核校友", "发送失败的消息", "/console/outbox"} {
		if strings.Contains(home.Body, s) {
			t.Errorf("township clerk's home shows %q", s)
		}
	}
	ch := charts(home.Body)
	for _, id := range []string{"chart-registrations", "chart-intention", "chart-fields", "chart-loans"} {
		if ch[id] == "" {
			t.Errorf("no chart %s", id)
		}
	}
	if !strings.Contains(ch["chart-registrations"], "官埠桥镇") || strings.Contains(home.Body, "贺胜桥镇") {
		t.Errorf("registrations chart is not limited to 官埠桥镇: %s", ch["chart-registrations"])
	}
	if !strings.Contains(ch["chart-intention"], `"已创业"`) || !strings.Contains(ch["chart-fields"], `"茶叶"`) {
		t.Errorf("charts without the option lists' labels: %s %s", ch["chart-intention"], ch["chart-fields"])
	}
	if _, ok := ch["chart-points"]; ok {
		t.Error("township clerk sees the points chart")
	}
	home.mustShow(t, "目标 500,000,000 元", `<script src="/console/static/echarts.`)

	// The district administrator sees every township, the dead messages and the points.
	admin := e.as(districtR).get("/console/")
	n, href = stat(t, admin.Body, "长期未核实的登记")
	if n != "3" || href != "/console/returnees?stale=1" {
		t.Errorf("district stale to-do: %s", n)
	}
	if _, href := stat(t, admin.Body, "发送失败的消息"); href != "/console/outbox?status=dead" {
		t.Errorf("dead messages link to %s", href)
	}
	if _, href := stat(t, admin.Body, "待审核校友"); href != "/console/alumni?status=pending" {
		t.Errorf("alumni to-do links to %s", href)
	}
	if reg := charts(admin.Body)["chart-registrations"]; !strings.Contains(reg, "官埠桥镇") || !strings.Contains(reg, "贺胜桥镇") {
		t.Errorf("district registrations chart: %s", reg)
	}
}

// TestHome_emptyTownshipShowsEmptyStates: a township without records or applications gets an
// empty state for each chart with nothing to show, never an empty chart.
func TestHome_emptyTownshipShowsEmptyStates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	district := "990100"
	if err := region.Upsert(t.Context(), e.app.DB, region.Region{Code: "990109", ParentCode: &district, Level: region.LevelTownship, Name: "空白镇"}, 9); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Staff.Create(t.Context(), actor.System("test"), staff.NewAccount{Username: "empty_town", DisplayName: "空白镇",
		Role: actor.Township, TownshipCode: "990109", Password: demoPassword}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	if res := c.postForm("/console/login", url.Values{"username": {"empty_town"}, "password": {demoPassword}}); res.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", res.Status, res.Body)
	}
	home := c.get("/console/")
	home.mustShow(t, "近 12 个月还没有新的返乡登记", "还没有返乡登记，暂无创业意向数据", "登记中还没有填写意向领域", "还没有提交的补贴或贷款申请",
		"本镇已发放 <strong>0</strong> 元")
	ch := charts(home.Body)
	if len(ch) != 1 || ch["chart-loans"] == "" {
		t.Errorf("charts on an empty township's home: %v", ch)
	}
	if n, _ := stat(t, home.Body, "待镇级初审"); n != "0" {
		t.Errorf("review to-do %s, want 0", n)
	}
}
