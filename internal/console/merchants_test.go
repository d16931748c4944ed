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
	"huixiang/internal/merchant"
)

// seedMerchant enters a merchant of township (990101 or 990102) through the service as the
// district administrator, once per name, and returns the person id.
func seedMerchant(e *env, township, name, id17 string) int64 {
	e.t.Helper()
	var pid int64
	err := e.app.DB.Get(&pid, `SELECT m.person_id FROM merchants m JOIN persons p ON p.id = m.person_id WHERE p.name = ?`, name)
	if err == nil {
		return pid
	}
	rec, err := e.app.Merchants.Create(context.Background(), adminActor(), merchant.Input{Name: name, IDCard: fixID(id17),
		Phone: "13907158801", TownshipCode: township, BizProvince: "广东省", BizCity: "深圳市", IndustryCode: "13",
		IntendedFields: []string{"ecommerce"}, AmountBand: "1000_5000", ChamberRoles: "深圳咸宁商会理事",
		Enterprises: []merchant.Enterprise{{Name: "深圳某某食品有限公司", Province: "广东省", City: "深圳市"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return rec.PersonID
}

func init() {
	// Township B does not learn that township A's merchant exists (404, as the API).
	one := map[role]int{townA: 200, townB: 404, dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /merchants", Want: every, Shows: map[role][]string{
			townA:     {"楚商人才信息库", "登记楚商", `for="mf-industry"`, "意向投资额"},
			districtR: {"楚商人才信息库", "全部行业"}}},
		pageCase{Route: "GET /merchants/new", Want: every, Shows: map[role][]string{
			townA: {"登记楚商", `for="m-id_card"`, "官埠桥镇", "制造业", "商会任职", "名下企业"}}},
		pageCase{Route: "GET /merchants/freshness", Want: every, Shows: map[role][]string{
			townA: {"楚商信息更新率", "目标不低于 90%"}}},
		pageCase{Route: "GET /merchants/:id", Path: func(e *env) string {
			return fmt.Sprintf("/merchants/%d", seedMerchant(e, "990101", "楚商甲", "42120219750101001"))
		}, Want: one, Shows: map[role][]string{
			townA:     {"楚商甲", "查看完整信息", "农副食品加工业", "深圳某某食品有限公司", "1000–5000 万元"},
			dept:      {"楚商甲", "深圳咸宁商会理事"},
			districtR: {"查看完整信息"}}},
		pageCase{Route: "GET /merchants/:id/edit", Path: func(e *env) string {
			return fmt.Sprintf("/merchants/%d/edit", seedMerchant(e, "990101", "楚商甲", "42120219750101001"))
		}, Want: one, Shows: map[role][]string{townA: {"修改：楚商甲", `name="version"`, "不修改请留空"}}},
	)
}

var merchantVersionRE = regexp.MustCompile(`name="version" value="(\d+)"`)

// TestMerchants_enterShowEditReveal: a township clerk enters a merchant (a bad form comes back
// with the error next to the field and the typed values), sees it masked, reveals the full ID
// number with a reason (audited), edits it, and a second save at the old version is refused
// with a clear message; the list, its counts and the update rate show the merchant, and the
// other township does not.
func TestMerchants_enterShowEditReveal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.as(townA)
	id := fixID("42120219780202002")
	form := url.Values{"name": {"吴楚雄"}, "id_card": {"421202197802020000"}, "phone": {"13907150088"}, "township_code": {"990101"},
		"biz_province": {"浙江省"}, "biz_city": {"义乌市"}, "industry_code": {"C"}, "size_band": {"small"},
		"operating_status": {"operating"}, "chamber_roles": {"义乌咸宁商会副会长"}, "intended_fields": {"ecommerce"},
		"amount_band": {"100_1000"}, "timing": {"within_1y"}, "source": {"staff"},
		"ent_name": {"义乌楚雄小商品有限公司", ""}, "ent_uscc": {"", ""}, "ent_industry": {"", ""}, "ent_province": {"浙江省", ""},
		"ent_city": {"义乌市", ""}, "ent_size": {"small", ""}, "ent_revenue": {"", ""}, "ent_status": {"operating", "operating"}}

	bad := a.postForm("/console/merchants/new", form)
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad ID number: %d %s", bad.Status, bad.Body)
	}
	bad.mustShow(t, `id="e-id_card"`, "身份证号不正确", `value="吴楚雄"`, `value="义乌市"`, "义乌咸宁商会副会长", "义乌楚雄小商品有限公司")

	form.Set("id_card", id)
	created := a.postForm("/console/merchants/new", form)
	if created.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	pid, _ := strconv.ParseInt(strings.TrimPrefix(loc, "/console/merchants/"), 10, 64)
	detail := a.follow(created)
	detail.mustShow(t, "已登记楚商：吴楚雄", "制造业", "浙江省 义乌市", "义乌楚雄小商品有限公司", "小型", "农村电商", "100–1000 万元")
	if strings.Contains(detail.Body, id) {
		t.Fatal("the detail page shows the full ID number")
	}
	// The same person twice is refused next to the ID number.
	again := a.postForm("/console/merchants/new", form)
	if again.Status != http.StatusConflict || !strings.Contains(again.Body, "已在楚商人才信息库中") {
		t.Fatalf("twice: %d", again.Status)
	}

	// Reveal with a reason: shown and audited; without one, refused; the department may not.
	if no := a.postForm(loc+"/reveal", url.Values{"reason": {""}}); no.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(no.Body, "请填写查看原因") {
		t.Fatalf("reveal without a reason: %d", no.Status)
	}
	a.postForm(loc+"/reveal", url.Values{"reason": {"联系洽谈返乡投资"}}).mustShow(t, id, "13907150088", "已记入审计日志")
	var n int
	if err := e.app.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'merchant.reveal' AND target_id = ?`,
		strconv.FormatInt(pid, 10)); err != nil || n != 1 {
		t.Fatalf("reveal audit entries: %d %v", n, err)
	}
	if got := e.as(dept).postForm(loc+"/reveal", url.Values{"reason": {"核实"}}); got.Status != http.StatusForbidden {
		t.Errorf("department reveal: %d", got.Status)
	}
	b := e.as(townB)
	for _, p := range []string{loc, loc + "/edit"} {
		if got := b.get(p); got.Status != http.StatusNotFound {
			t.Errorf("township B %s: %d", p, got.Status)
		}
	}
	if got := b.get("/console/merchants"); strings.Contains(got.Body, "吴楚雄") {
		t.Error("township B's list shows township A's merchant")
	}

	// Edit at the version read; a second save at the same (now stale) version is refused.
	edit := a.get(loc + "/edit")
	m := merchantVersionRE.FindStringSubmatch(edit.Body)
	if m == nil {
		t.Fatalf("no version in the edit form: %s", edit.Body)
	}
	form.Set("version", m[1])
	form.Set("id_card", "")
	form.Set("phone", "")
	form.Set("biz_city", "杭州市")
	a.follow(a.postForm(loc+"/edit", form)).mustShow(t, "已保存：吴楚雄", "浙江省 杭州市", "第 2 版")
	form.Set("biz_city", "宁波市")
	stale := a.postForm(loc+"/edit", form)
	if stale.Status != http.StatusConflict {
		t.Fatalf("stale: %d %s", stale.Status, stale.Body)
	}
	stale.mustShow(t, "其他人修改了这条记录", "您的修改没有保存", "打开最新的记录", `value="宁波市"`)
	// Saving the latest version unchanged confirms the record (audited as a confirmation).
	m = merchantVersionRE.FindStringSubmatch(a.get(loc + "/edit").Body)
	form.Set("version", m[1])
	form.Set("biz_city", "杭州市")
	a.follow(a.postForm(loc+"/edit", form)).mustShow(t, "已保存：吴楚雄", "第 2 版")
	if err := e.app.DB.Get(&n, `SELECT COUNT(*) FROM audit_log WHERE action = 'merchant.confirm' AND target_id = ?`,
		strconv.FormatInt(pid, 10)); err != nil || n != 1 {
		t.Fatalf("confirm audit entries: %d %v", n, err)
	}
	// The ID number kept: the reveal still shows the same one.
	a.postForm(loc+"/reveal", url.Values{"reason": {"核对修改"}}).mustShow(t, id)

	// The list, its counts and filters; the update rate.
	a.get("/console/merchants").mustShow(t, "吴楚雄", "分类统计", "浙江省", "农村电商")
	a.get("/console/merchants?industry=C&province="+url.QueryEscape("浙江省")).mustShow(t, "吴楚雄")
	a.get("/console/merchants?industry=A").mustShow(t, "没有符合条件的楚商")
	badFilter := a.get("/console/merchants?industry=" + url.QueryEscape("制造"))
	if badFilter.Status != http.StatusBadRequest && badFilter.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad filter: %d", badFilter.Status)
	}
	badFilter.mustShow(t, "行业（industry）应为门类字母")
	a.get("/console/merchants/freshness").mustShow(t, "100.0%", "已达标", "制造业", "官埠桥镇")
}

// TestBrowser_Merchants: a township clerk opens the list, a merchant and the entry form in
// Chromium: every control is labelled and the text has AA contrast; the reveal dialog opens
// and shows the full ID number after a reason.
func TestBrowser_Merchants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pid := seedMerchant(e, "990101", "楚商乙", "42120219800303003")
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "demo_guanbuqiao")
	for _, p := range []struct{ path, wait, shot string }{
		{"/console/merchants", `.merchant-pivot`, "merchants-list.png"},
		{fmt.Sprintf("/console/merchants/%d", pid), `#h-ent`, "merchant-detail.png"},
		{"/console/merchants/new", `form.merchant-form`, "merchant-new.png"},
		{fmt.Sprintf("/console/merchants/%d/edit", pid), `form.merchant-form`, "merchant-edit.png"},
		{"/console/merchants/freshness", `.stats`, "merchant-freshness.png"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait))); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range problems {
			t.Errorf("%s: %s", p.path, pr)
		}
		if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
			if err := browsertest.Screenshot(ctx, filepath.Join(dir, p.shot)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/console/merchants/%d", e.srv.URL, pid)),
		chromedp.Click(chromedp.CSS(`button[data-open="reveal-dialog"]`)),
		chromedp.WaitVisible(chromedp.ID("reveal-reason")),
		chromedp.SendKeys(chromedp.ID("reveal-reason"), "联系洽谈返乡投资"),
		chromedp.Click(chromedp.CSS(`#reveal-dialog button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("revealed-id")),
	); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("revealed-id")))
	if err != nil {
		t.Fatal(err)
	}
	if got != fixID("42120219800303003") {
		t.Fatalf("revealed %q", got)
	}
}
