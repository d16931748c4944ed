package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
	"huixiang/internal/visit"
)

// visitIn is visit title of township recorded today through the service by the district
// administrator, once per title; it returns the id.
func visitIn(e *env, title, township string) int64 {
	e.t.Helper()
	var id int64
	if err := e.app.DB.Get(&id, `SELECT id FROM visits WHERE title = ?`, title); err == nil {
		return id
	}
	s := func(v string) *string { return &v }
	v, err := e.app.Visits.Create(context.Background(), adminActor(), visit.Input{Kind: s(visit.KindOut), Title: s(title),
		VisitedOn: s(e.app.Visits.Today()), Place: s("广东省深圳市"), LeaderName: s("张书记"), TownshipCode: s(township)})
	if err != nil {
		e.t.Fatal(err)
	}
	return v.ID
}

func init() {
	one := map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /visits", Want: every, Shows: map[role][]string{
			townA: {"走访接待", "年度目标", "走出去拜访", "请进来接待", "招商活动", "登记走访接待"},
			dept:  {"走访接待", "镇（街道）", "逾期跟进事项"}}},
		pageCase{Route: "GET /visits/new", Want: every, Shows: map[role][]string{
			townA: {"登记走访接待", "见到的客商", "推介的招商项目", "带队领导"},
			dept:  {"区级（不属于某个镇）", "官埠桥镇"}}},
		pageCase{Route: "GET /visits/:id", Path: func(e *env) string {
			return fmt.Sprintf("/visits/%d", visitIn(e, "赴深圳拜访官埠桥籍企业家", "990101"))
		}, Want: one, Shows: map[role][]string{
			townA: {"赴深圳拜访官埠桥籍企业家", "跟进事项", "添加跟进事项", "张书记"},
			dept:  {"赴深圳拜访官埠桥籍企业家", "官埠桥镇"}}},
		pageCase{Route: "GET /visits/:id/edit", Path: func(e *env) string {
			return fmt.Sprintf("/visits/%d/edit", visitIn(e, "赴深圳拜访官埠桥籍企业家", "990101"))
		}, Want: one, Shows: map[role][]string{townA: {"修改走访接待", `name="version"`, "赴深圳拜访官埠桥籍企业家"}}},
	)
}

var visitPathRE = regexp.MustCompile(`^/console/visits/(\d+)$`)

// TestVisits_recordEditFollowUpAndDashboard: a township clerk records a visit out with a
// merchant and a project of their township (a bad form comes back with the message and the typed
// values), adds a follow-up and marks it done, and a second save at an old version is refused
// with the typed values kept; the other township does not see it; the merchant and project pages
// link to it; the dashboard shows the year's visits against the targets and the overdue
// follow-ups with a link.
func TestVisits_recordEditFollowUpAndDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(townA)
	merchantID := seedMerchant(e, "990101", "楚商乙", "42120219750101002")
	projectID := projectIn(e, "官埠桥镇茶饮料灌装线", "990101")
	today := e.app.Visits.Today()

	form := url.Values{"kind": {"out"}, "visited_on": {today}, "title": {"x"}, "place": {"广东省深圳市"}, "leader_name": {"张书记"},
		"leader_title": {"镇党委书记"}, "participants": {"镇招商办 李四"}, "merchant_ids": {strconv.FormatInt(merchantID, 10)},
		"project_ids": {strconv.FormatInt(projectID, 10)}, "enterprises": {"深圳某某茶业有限公司\n某某食品厂 12345"},
		"result": {"intent"}, "outcome": {"客商有意考察茶饮料项目"}}
	got := c.postForm("/console/visits", form)
	if got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad title: %d %s", got.Status, got.Body)
	}
	got.mustShow(t, "请填写事由", `id="form-error"`, "客商有意考察茶饮料项目", "镇招商办 李四", "深圳某某茶业有限公司", `aria-invalid="true"`)
	if !strings.Contains(got.Body, fmt.Sprintf(`name="merchant_ids" value="%d" checked`, merchantID)) {
		t.Errorf("the ticked merchant is not kept:\n%s", got.Body)
	}
	form.Set("title", "赴深圳拜访楚商乙")
	got = c.postForm("/console/visits", form)
	if got.Status != http.StatusSeeOther {
		t.Fatalf("record: %d %s", got.Status, got.Body)
	}
	loc := got.Header.Get("Location")
	m := visitPathRE.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("redirected to %q", loc)
	}
	id := m[1]
	detail := c.follow(got)
	detail.mustShow(t, "已登记走出去“赴深圳拜访楚商乙”", "楚商乙", "官埠桥镇茶饮料灌装线", "深圳某某茶业有限公司", "某某食品厂 12345",
		"达成意向", "镇党委书记", "客商有意考察茶饮料项目", "还没有跟进事项")
	if got := e.as(townB).get(loc); got.Status != http.StatusNotFound {
		t.Errorf("the other township opens the visit: %d", got.Status)
	}

	// a follow-up: refused without an owner, then added and marked done
	fu := url.Values{"task": {"寄送茶饮料项目可研报告"}, "due_on": {today}}
	got = c.postForm(loc+"/followups", fu)
	if got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("follow-up without owner: %d", got.Status)
	}
	got.mustShow(t, "请填写责任单位或选择责任人", `value="寄送茶饮料项目可研报告"`)
	fu.Set("owner_department", "镇招商办")
	got = c.postForm(loc+"/followups", fu)
	if got.Status != http.StatusSeeOther {
		t.Fatalf("follow-up: %d %s", got.Status, got.Body)
	}
	detail = c.follow(got)
	detail.mustShow(t, "已添加跟进事项", "寄送茶饮料项目可研报告", "镇招商办", ">办结</button>")
	var fid int64
	if err := e.app.DB.Get(&fid, `SELECT id FROM visit_followups WHERE visit_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	got = c.postForm(fmt.Sprintf("%s/followups/%d/done", loc, fid), url.Values{"note": {"已寄出"}})
	c.follow(got).mustShow(t, "跟进事项已办结", "已办结", "已寄出")
	if got := c.postForm(fmt.Sprintf("%s/followups/%d/done", loc, fid), nil); got.Status != http.StatusConflict ||
		!strings.Contains(got.Body, "这项跟进事项已经办结") {
		t.Errorf("done twice: %d", got.Status)
	}

	// edit at the version read; a second save at that version is refused, the typed values kept
	edit := c.get(loc + "/edit")
	edit.mustShow(t, `name="version" value="1"`, "深圳某某茶业有限公司\n某某食品厂 12345")
	form.Set("version", "1")
	form.Set("outcome", "客商已来咸安考察")
	if got := c.postForm(loc, form); got.Status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", got.Status, got.Body)
	}
	form.Set("outcome", "另一人的修改")
	got = c.postForm(loc, form)
	if got.Status != http.StatusConflict {
		t.Fatalf("stale edit: %d", got.Status)
	}
	got.mustShow(t, "走访记录已被他人修改", "重新打开最新内容", "另一人的修改")

	// the merchant's and the project's pages link to their visits
	c.get(fmt.Sprintf("/console/merchants/%d", merchantID)).mustShow(t, fmt.Sprintf(`/console/visits?merchant_id=%d`, merchantID))
	c.get(fmt.Sprintf("/console/projects/%d", projectID)).mustShow(t, fmt.Sprintf(`/console/visits?project_id=%d`, projectID))
	c.get(fmt.Sprintf("/console/visits?merchant_id=%d", merchantID)).mustShow(t, "只看与客商“楚商乙”有关的记录", "赴深圳拜访楚商乙")
	c.get(fmt.Sprintf("/console/visits?project_id=%d", projectID)).mustShow(t, "官埠桥镇茶饮料灌装线", "赴深圳拜访楚商乙")
	if got := e.as(townB).get("/console/visits"); strings.Contains(got.Body, "赴深圳拜访楚商乙") {
		t.Errorf("the other township lists the visit")
	}

	// an overdue follow-up of an old district visit: on the dashboard and the list (the demo
	// data has overdue follow-ups of its own: the count goes up by one)
	before, _ := stat(t, e.as(districtR).get("/console/").Body, "逾期未办结的招商跟进")
	s := func(v string) *string { return &v }
	old, err := e.app.Visits.Create(context.Background(), adminActor(), visit.Input{Kind: s(visit.KindIn), Title: s("接待浙江客商考察团"),
		VisitedOn: s("2020-03-01"), Place: s("区招商中心")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Visits.AddFollowup(context.Background(), adminActor(), old.ID, visit.FollowupInput{Task: "回复客商用地问题",
		OwnerDepartment: "区自然资源局", DueOn: "2020-04-01"}); err != nil {
		t.Fatal(err)
	}
	home := e.as(districtR).get("/console/")
	home.mustShow(t, "走出去拜访", "请进来接待", "/ 50", "/ 20")
	n, href := stat(t, home.Body, "逾期未办结的招商跟进")
	if nb, _ := strconv.Atoi(before); n != strconv.Itoa(nb+1) || href != "/console/visits#overdue" {
		t.Errorf("overdue to-do = %s %s", n, href)
	}
	e.as(districtR).get(href).mustShow(t, "逾期未办结的跟进事项", "回复客商用地问题", "区自然资源局", "2020-04-01", "接待浙江客商考察团")
	// the township clerk's dashboard counts their township's only
	if n, _ := stat(t, c.get("/console/").Body, "逾期未办结的招商跟进"); n != "0" {
		t.Errorf("clerk's overdue = %s", n)
	}
}

// TestBrowser_VisitFormAndDetail: 区人社局 records a visit in the browser (every control labelled,
// contrast AA), ticking a merchant and a project, then adds a follow-up on the visit's page; the
// list shows it.
func TestBrowser_VisitFormAndDetail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	merchantID := seedMerchant(e, "990102", "楚商丙", "42120219750101003")
	projectID := projectIn(e, "贺胜桥镇茶叶深加工项目", "990102")
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "demo_hrss")
	audit := func(path string) {
		t.Helper()
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", path, p)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/visits/new"), chromedp.WaitVisible(chromedp.ID("vs-title"))); err != nil {
		t.Fatal(err)
	}
	audit("/console/visits/new")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("vs-kind"), "in"),
		chromedp.SetValue(chromedp.ID("vs-township"), "990102"),
		chromedp.SetValue(chromedp.ID("vs-title"), "接待楚商丙考察茶叶项目"),
		chromedp.SetValue(chromedp.ID("vs-place"), "贺胜桥镇"),
		chromedp.SetValue(chromedp.ID("vs-leader"), "王镇长"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=merchant_ids][value="%d"]`, merchantID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=project_ids][value="%d"]`, projectID))),
		chromedp.SetValue(chromedp.ID("vs-outcome"), "客商有意投资"),
		chromedp.Click(chromedp.CSS(`form button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.ID("followups-title")),
	); err != nil {
		t.Fatal(err)
	}
	audit("/console/visits/:id")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("fu-task"), "寄送茶叶项目资料"),
		chromedp.SetValue(chromedp.ID("fu-dept"), "区招商局"),
		chromedp.SetValue(chromedp.ID("fu-due"), e.app.Visits.Today()),
		chromedp.Click(chromedp.CSS(`#add-followup ~ form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.inline-form button`)),
	); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"已添加跟进事项", "请进来", "楚商丙", "贺胜桥镇茶叶深加工项目", "寄送茶叶项目资料", "区招商局"} {
		if !strings.Contains(text, want) {
			t.Errorf("the visit page does not show %q: %s", want, text)
		}
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "visit-detail.png")); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/visits"), chromedp.WaitVisible(chromedp.ID("v-kind"))); err != nil {
		t.Fatal(err)
	}
	audit("/console/visits")
	text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "接待楚商丙考察茶叶项目") {
		t.Errorf("the list does not show the visit: %s", text)
	}
}

// TestVisits_newFormSearchesByName: 查找 narrows the merchants and projects offered; one ticked from
// the merchant's page stays ticked.
func TestVisits_newFormSearchesByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := seedMerchant(e, "990101", "楚商丁", "42120219750101004")
	seedMerchant(e, "990101", "楚商戊", "42120219750101005")
	projectIn(e, "官埠桥镇粮油仓储项目", "990101")
	c := e.as(townA)
	got := c.get("/console/visits/new?q=" + url.QueryEscape("戊"))
	got.mustShow(t, "楚商戊", `value="戊"`, "显示全部")
	if strings.Contains(got.Body, "楚商丁") || strings.Contains(got.Body, "官埠桥镇粮油仓储项目") {
		t.Errorf("the search does not narrow:\n%s", got.Body)
	}
	got = c.get(fmt.Sprintf("/console/visits/new?merchant_id=%d&q=%s", a, url.QueryEscape("戊")))
	got.mustShow(t, fmt.Sprintf(`name="merchant_ids" value="%d" checked`, a), "楚商丁", "楚商戊")
	if got := e.as(townB).get("/console/visits/new?q=" + url.QueryEscape("楚商")); strings.Contains(got.Body, "楚商丁") {
		t.Errorf("the other township is offered township A's merchants")
	}
}
