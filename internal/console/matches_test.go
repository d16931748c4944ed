package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
	"huixiang/internal/match"
)

func init() {
	// Township B's project and merchant: township A gets 404 (the /projects case wants township
	// A's list empty).
	one := map[role]int{townA: 404, townB: 200, dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /projects/:id/matches", Path: func(e *env) string {
			seedMerchant(e, "990102", "楚商丙", "42120219750101003")
			return fmt.Sprintf("/projects/%d/matches", projectIn(e, "贺胜桥镇茶饮料匹配项目", "990102"))
		}, Want: one, Shows: map[role][]string{
			dept:  {"匹配楚商", "楚商丙", "意向投资 1000–5000 万，项目需 3000 万", "对接进度", "139****8801"},
			townB: {"贺胜桥镇茶饮料匹配项目", "楚商丙"}}},
		pageCase{Route: "GET /merchants/:id/matches", Path: func(e *env) string {
			projectIn(e, "贺胜桥镇茶饮料推荐项目", "990102")
			return fmt.Sprintf("/merchants/%d/matches", seedMerchant(e, "990102", "楚商丙", "42120219750101003"))
		}, Want: one, Shows: map[role][]string{dept: {"推荐项目", "楚商丙", "贺胜桥镇茶饮料推荐项目"}}},
		pageCase{Route: "GET /alumni-needs", Want: map[role]int{townA: 200, townB: 200, dept: 200, districtR: 200},
			Shows: map[role][]string{dept: {"校友需求与资源清单", "发布企业需求", `for="nd-kind"`, `for="nd-township"`},
				townA: {"发布企业需求", "发布的需求属于本镇（街道）"}}},
		pageCase{Route: "GET /alumni-needs/:id", Path: func(e *env) string {
			s := func(v string) *string { return &v }
			n, err := e.app.Matches.CreateNeed(context.Background(), adminActor(), match.NeedInput{Enterprise: s("咸安茶饮料有限公司"),
				Kind: s("capital"), Title: s("扩产融资"), Industry: s("食品"), TownshipCode: s("990102")})
			if err != nil {
				e.t.Fatal(err)
			}
			return fmt.Sprintf("/alumni-needs/%d", n.ID)
		}, Want: one, Shows: map[role][]string{dept: {"扩产融资", "资金", "匹配的校友", "关闭需求"}, townB: {"扩产融资", "匹配的校友"}}},
	)
}

// TestMatches_moveWithNoteAndInterestTile: staff move a match to 已联系 with a note from the
// matches page (a stale version is refused); a merchant's 感兴趣 shows on the page and as a
// number on the department's home page.
func TestMatches_moveWithNoteAndInterestTile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	pid := projectIn(e, "贺胜桥镇茶饮料项目", "990102")
	mid := seedMerchant(e, "990102", "楚商乙", "42120219750101002")
	page := c.get(fmt.Sprintf("/console/projects/%d/matches", pid))
	if page.Status != http.StatusOK {
		t.Fatalf("matches: %d %s", page.Status, page.Body)
	}
	page.mustShow(t, "楚商乙", `<meter`, `name="status"`, "推荐")
	if !strings.Contains(c.get(fmt.Sprintf("/console/projects/%d", pid)).Body, fmt.Sprintf("/console/projects/%d/matches", pid)) {
		t.Fatal("the project page does not link its matches")
	}

	path := fmt.Sprintf("/console/projects/%d/matches/%d", pid, mid)
	got := c.postForm(path, url.Values{"status": {"contacted"}, "note": {"已电话联系，下周面谈"}, "version": {"0"}})
	c.follow(got).mustShow(t, "对接进度已更新为“已联系”", "已电话联系，下周面谈")
	if stale := c.postForm(path, url.Values{"status": {"interested"}, "version": {"1"}}); stale.Status != http.StatusConflict {
		t.Fatalf("stale move: %d", stale.Status)
	}

	// 感兴趣 from the mini program (here: the row the API writes) shows to staff.
	if _, err := e.app.DB.Exec(`INSERT INTO project_interests (project_id, merchant_id, user_id, created_at) VALUES (?, ?, 1, UTC_TIMESTAMP(3))`,
		pid, mid); err != nil {
		t.Fatal(err)
	}
	c.get(fmt.Sprintf("/console/projects/%d/matches", pid)).mustShow(t, "感兴趣 ")
	e.as(districtR).get("/console/").mustShow(t, "楚商感兴趣的项目")
}

// TestBrowser_ProjectMatches: 区直部门 opens a project's matches: every control is labelled and
// readable (pageAudit), and moving a merchant to 已联系 with a note says so.
func TestBrowser_ProjectMatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := projectIn(e, "贺胜桥镇茶饮料浏览器项目", "990102")
	mid := seedMerchant(e, "990102", "楚商丁", "42120219750101004")
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "demo_hrss")
	path := fmt.Sprintf("/console/projects/%d/matches", pid)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`table.matches`))); err != nil {
		t.Fatal(err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", path, p)
	}
	row := fmt.Sprintf("#m-%d", mid)
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(row+` select[name=status]`), "contacted"),
		chromedp.SendKeys(chromedp.CSS(row+` input[name=note]`), "已电话联系"),
		chromedp.Click(chromedp.CSS(row+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "对接进度已更新为“已联系”") || !strings.Contains(msg, "已电话联系") {
		t.Fatalf("after the move: %q", msg)
	}
}

// TestAlumniNeeds_postAndClose: a department posts a need from the list page, lands on its
// matches, and closes it.
func TestAlumniNeeds_postAndClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	got := c.postForm("/console/alumni-needs", url.Values{"enterprise": {"咸安竹业有限公司"}, "kind": {"technology"},
		"title": {"竹材防霉技术"}, "industry": {"竹木加工"}, "description": {"需要竹材防霉处理的技术支持"}})
	page := c.follow(got)
	page.mustShow(t, "已发布“咸安竹业有限公司”的需求", "竹材防霉技术", "匹配的校友")
	loc := got.Header.Get("Location")
	closed := c.follow(c.postForm(loc+"/status", url.Values{"status": {"closed"}, "version": {"1"}}))
	closed.mustShow(t, "需求已关闭", "重新打开")
	if bad := c.postForm("/console/alumni-needs", url.Values{"enterprise": {"X"}, "kind": {"technology"}, "title": {"竹材"}}); bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad need: %d", bad.Status)
	}
	// township staff: their township's needs only (the department's is district-level)
	if town := e.as(townA).get("/console/alumni-needs"); town.Status != http.StatusOK || strings.Contains(town.Body, "竹材防霉技术") {
		t.Fatalf("township: %d", town.Status)
	}
	if town := e.as(townA).get(loc); town.Status != http.StatusNotFound {
		t.Fatalf("township, the district's need: %d", town.Status)
	}
}
