package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
	"huixiang/internal/project"
)

// projectIn is project name in township, entered through the service (in planning).
func projectIn(e *env, name, township string) int64 {
	e.t.Helper()
	s := func(v string) *string { return &v }
	fen := int64(3000 * 10000 * 100)
	p, err := e.app.Projects.Create(context.Background(), adminActor(), project.Input{Name: s(name), IndustryCode: s("C15"),
		ChainCode: s("food"), ChainLink: s("茶饮料灌装"), TownshipCode: s(township), InvestmentFen: &fen, ContactDepartment: s("区招商局"),
		ContactPerson: s("王科长"), ContactPhone: s("0715-8000000")})
	if err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /projects", Want: every, Shows: map[role][]string{
			dept:  {"招商项目", "年度目标", "今年包装的招商项目", "新增项目", "镇（街道）"},
			townA: {"招商项目", "年度目标", "本镇还没有招商项目"}}},
		pageCase{Route: "GET /projects/new", Want: may, Shows: map[role][]string{dept: {"新增招商项目", "计划投资额", "万元", "用地面积（亩）"}}},
		pageCase{Route: "GET /projects/:id", Path: func(e *env) string {
			return fmt.Sprintf("/projects/%d", projectIn(e, "官埠桥镇茶饮料生产线", "990101"))
		}, Want: map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200}, Shows: map[role][]string{
			dept:  {"官埠桥镇茶饮料生产线", "下一步：包装", "3,000 万元", "终止项目", "王科长"},
			townA: {"官埠桥镇茶饮料生产线", "由区直部门办理"}}},
		pageCase{Route: "GET /projects/:id/edit", Path: func(e *env) string {
			return fmt.Sprintf("/projects/%d/edit", projectIn(e, "官埠桥镇物流仓储项目", "990101"))
		}, Want: may, Shows: map[role][]string{dept: {"修改招商项目", "官埠桥镇物流仓储项目", `value="3,000"`}}},
	)
}

func projectForm(name string) url.Values {
	return url.Values{"name": {name}, "industry_code": {"C13"}, "chain_code": {"food"}, "chain_link": {"上游原料"},
		"township_code": {"990102"}, "investment": {"2.5"}, "investment_unit": {"wan"}, "land_mu": {"12.5"},
		"stage": {"已完成可研"}, "partner_wanted": {"有食品加工经验的企业"}, "contact_department": {"区招商局"},
		"contact_person": {"李主任"}, "contact_phone": {"0715-8111111"}, "description": {"年加工 5 万吨粮油"}}
}

// TestProjects_createEditMoveAndPublish: a department enters a project in 万元 and 亩, edits it
// (a stale version is refused with the typed values kept), moves it to 包装, publishes it,
// withdraws it and terminates it with a reason; a township clerk of another township does not
// see it, of its township sees it read-only.
func TestProjects_createEditMoveAndPublish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)

	// A bad form keeps what was typed and says what is wrong, next to the form.
	bad := projectForm("X")
	bad.Set("investment", "3000")
	got := c.postForm("/console/projects", bad)
	if got.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad name: %d %s", got.Status, got.Body)
	}
	got.mustShow(t, "请填写项目名称（2-100 字）", `id="form-error"`, `value="3000"`, "有食品加工经验的企业", "年加工 5 万吨粮油", `aria-invalid="true"`)
	bad = projectForm("贺胜桥镇粮油加工项目")
	bad.Set("investment", "三千")
	if got := c.postForm("/console/projects", bad); got.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(got.Body, "请填写投资额") || !strings.Contains(got.Body, `value="三千"`) {
		t.Fatalf("bad amount: %d %s", got.Status, got.Body)
	}

	created := c.postForm("/console/projects", projectForm("贺胜桥镇粮油加工项目"))
	if created.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	c.follow(created).mustShow(t, "已新增项目“贺胜桥镇粮油加工项目”", "2.5 万元", "12.5 亩", "贺胜桥镇", "下一步：包装", "未发布")
	var fen, land int64
	id := strings.TrimPrefix(loc, "/console/projects/")
	if err := e.app.DB.QueryRow(`SELECT investment_fen, land_mu_hundredths FROM projects WHERE id = ?`, id).Scan(&fen, &land); err != nil {
		t.Fatal(err)
	}
	if fen != 2_500_000 || land != 1250 {
		t.Fatalf("stored %d fen, %d hundredths of a mu", fen, land)
	}

	// Edit: the form shows the version read; saving with it works once, again is stale.
	c.get(loc+"/edit").mustShow(t, `name="version" value="1"`, `value="2.5"`, `value="12.5"`)
	edit := projectForm("贺胜桥镇粮油加工项目（二期）")
	edit.Set("version", "1")
	edit.Set("investment", "123456.78")
	edit.Set("investment_unit", "yuan")
	c.follow(c.postForm(loc, edit)).mustShow(t, "已保存项目", "（二期）", "123,456.78 元")
	edit.Set("name", "另一个人的改动")
	stale := c.postForm(loc, edit)
	if stale.Status != http.StatusConflict {
		t.Fatalf("stale: %d %s", stale.Status, stale.Body)
	}
	stale.mustShow(t, "项目已被他人修改，请刷新后再保存", "重新打开最新内容", `value="另一个人的改动"`)

	// Not publishable in planning; move to 包装, publish, withdraw.
	if got := c.postForm(loc+"/publish", nil); got.Status != http.StatusConflict || !strings.Contains(got.Body, "项目包装完成后才能发布") {
		t.Fatalf("publish in planning: %d %s", got.Status, got.Body)
	}
	c.follow(c.postForm(loc+"/status", url.Values{"to": {"packaging"}, "on": {""}})).mustShow(t, "已标记为包装，现在可以发布到小程序",
		"下一步：推介", "发布到小程序")
	if got := c.postForm(loc+"/status", url.Values{"to": {"negotiating"}}); got.Status != http.StatusConflict {
		t.Fatalf("skipping a step: %d", got.Status)
	}
	c.follow(c.postForm(loc+"/publish", nil)).mustShow(t, "已发布，小程序“招商项目”里可以看到了", "小程序已发布", "撤回发布")
	var pid int64
	fmt.Sscan(id, &pid)
	if _, err := e.app.Projects.PublicGet(context.Background(), pid); err != nil {
		t.Fatalf("published, not in the mini program: %v", err)
	}
	c.get("/console/projects?published=true&status=packaging").mustShow(t, "（二期）", "123,456.78 元", "已发布")
	c.follow(c.postForm(loc+"/unpublish", nil)).mustShow(t, "已撤回发布")

	// Township B sees it read-only; township A does not see it at all.
	e.as(townB).get(loc).mustShow(t, "（二期）", "由区直部门办理")
	if got := e.as(townA).get(loc); got.Status != http.StatusNotFound {
		t.Fatalf("township A: %d", got.Status)
	}
	if got := e.as(townB).postForm(loc+"/publish", nil); got.Status != http.StatusForbidden {
		t.Fatalf("township B publishes: %d", got.Status)
	}

	// Terminate needs a reason; then it is audited and off the mini program.
	if got := c.postForm(loc+"/status", url.Values{"to": {"terminated"}}); got.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(got.Body, "请写明终止原因") {
		t.Fatalf("terminate without a reason: %d %s", got.Status, got.Body)
	}
	c.follow(c.postForm(loc+"/status", url.Values{"to": {"terminated"}, "note": {"投资方撤资"}})).mustShow(t, "已终止", "终止")
	var n int
	if err := e.app.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'project.status' AND target_type = 'project' AND target_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("status moves audited: %d", n)
	}
}

// TestProjects_listFiltersAndYearCount: the list filters by status, chain and name, drops an
// industry code not of its form with a message, and counts the year's packaged projects.
func TestProjects_listFiltersAndYearCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := projectIn(e, "筛选测试甲项目", "990101")
	projectIn(e, "筛选测试乙项目", "990102")
	if _, err := e.app.Projects.Move(context.Background(), adminActor(), a, project.MoveInput{To: project.Packaging}); err != nil {
		t.Fatal(err)
	}
	c := e.as(districtR)
	got := c.get("/console/projects?status=packaging&name=" + url.QueryEscape("筛选测试"))
	got.mustShow(t, "筛选测试甲项目")
	if strings.Contains(got.Body, "筛选测试乙项目") {
		t.Fatal("status filter")
	}
	c.get("/console/projects?industry=zz").mustShow(t, "已忽略“zz”")
	c.get("/console/projects?name="+url.QueryEscape("没有这个名字")).mustShow(t, "没有符合条件的项目")
	c.get("/console/projects").mustShow(t, "今年包装的招商项目", " / 30</strong>")
	// Township A sees its own project only.
	ta := e.as(townA).get("/console/projects")
	ta.mustShow(t, "筛选测试甲项目")
	if strings.Contains(ta.Body, "筛选测试乙项目") || strings.Contains(ta.Body, "新增项目") {
		t.Fatal("township A sees another township's project or the add button")
	}
}

// TestBrowser_ProjectFormAndDetail: 区人社局 fills the new-project form in a browser (every
// control labelled, contrast AA), saves it and lands on the project with its steps, the next
// move and 终止, which pass the same audit.
func TestBrowser_ProjectFormAndDetail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/projects/new"), chromedp.WaitVisible(chromedp.ID("pj-name"))); err != nil {
		t.Fatal(err)
	}
	audit("/console/projects/new")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("pj-name"), "贺胜桥镇茶叶深加工项目"),
		chromedp.SetValue(chromedp.ID("pj-industry"), "C15"),
		chromedp.SetValue(chromedp.ID("pj-chain"), "food"),
		chromedp.SetValue(chromedp.ID("pj-township"), "990102"),
		chromedp.SetValue(chromedp.ID("pj-amount"), "3000"),
		chromedp.SetValue(chromedp.ID("pj-land"), "20"),
		chromedp.SetValue(chromedp.ID("pj-department"), "区招商局"),
		chromedp.Click(chromedp.CSS(`form button[type=submit].primary`)),
		chromedp.WaitVisible(chromedp.CSS(`ol.steps`)),
	); err != nil {
		t.Fatal(err)
	}
	audit("/console/projects/:id")
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"已新增项目", "3,000 万元", "20 亩", "下一步：包装"} {
		if !strings.Contains(text, want) {
			t.Errorf("the project page does not show %q: %s", want, text)
		}
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "project-detail.png")); err != nil {
			t.Fatal(err)
		}
	}
	// The list with its filters and the year's count.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/projects"), chromedp.WaitVisible(chromedp.ID("p-status"))); err != nil {
		t.Fatal(err)
	}
	audit("/console/projects")
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "project-list.png")); err != nil {
			t.Fatal(err)
		}
	}
}

// A project entered by mistake is deleted from its page while still 策划; a packaged one shows no
// delete and a forced post is refused with the reason on its page.
func TestProjects_deleteWhilePlanning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	created := c.postForm("/console/projects", projectForm("录错的项目"))
	loc := created.Header.Get("Location")
	c.get(loc).mustShow(t, "删除项目", "只用于录错的项目")
	c.follow(c.postForm(loc+"/delete", nil)).mustShow(t, "项目已删除")
	if got := c.get(loc); got.Status != http.StatusNotFound {
		t.Fatalf("deleted project page: %d", got.Status)
	}

	kept := c.postForm("/console/projects", projectForm("已包装的项目")).Header.Get("Location")
	c.follow(c.postForm(kept+"/status", url.Values{"to": {"packaging"}, "on": {""}})).mustShow(t, "已标记为包装")
	if page := c.get(kept); strings.Contains(page.Body, "只用于录错的项目") {
		t.Fatal("a packaged project offers delete")
	}
	c.follow(c.postForm(kept+"/delete", nil)).mustShow(t, "不能删除", "已包装的项目")
}
