package console_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/alumni"
	"huixiang/internal/browsertest"
)

func init() {
	addPages(
		pageCase{Route: "GET /alumni/:id/edit", Path: func(e *env) string { return "/alumni/" + strconv.FormatInt(alumnusID(e, "高文博"), 10) + "/edit" },
			Want: grantorsOnly, Shows: map[role][]string{dept: {"修改校友信息：高文博", "保存修改", "毕业学校"}}},
		pageCase{Route: "GET /alumni/claims", Want: grantorsOnly, Shows: map[role][]string{dept: {"校友认领记录"}, districtR: {"校友认领记录"}}},
	)
}

// editForm is the edit form of rec with its current values, as the browser would post it.
func editForm(rec alumni.Record) url.Values {
	f := url.Values{"version": {strconv.Itoa(rec.Version)}, "school_code": {rec.SchoolCode}, "entry_year": {strconv.Itoa(rec.EntryYear)},
		"current_city": {rec.CurrentCity}, "organization": {rec.Organization}, "industry": {rec.Industry}, "title": {rec.Title},
		"expertise": {rec.Expertise}, "offers": rec.Offers}
	if rec.GraduationYear != nil {
		f.Set("graduation_year", strconv.Itoa(*rec.GraduationYear))
	}
	if rec.DirectoryConsent {
		f.Set("directory_consent", "on")
	}
	return f
}

func TestAlumni_editSavedStaleAndFieldError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	rec := alumnus(e, "高文博")
	path := "/console/alumni/" + strconv.FormatInt(rec.PersonID, 10)
	c.get(path).mustShow(t, `href="`+path+`/edit"`, "修改")
	form := c.get(path + "/edit")
	form.mustShow(t, `name="version" value="`+strconv.Itoa(rec.Version)+`"`, rec.IDCard, `value="`+rec.Organization+`"`)

	f := editForm(rec)
	f.Set("organization", "咸宁市高新区管委会")
	f.Set("current_city", "咸宁市")
	got := c.follow(c.postForm(path+"/edit", f))
	got.mustShow(t, "已保存 高文博 的校友信息", "咸宁市高新区管委会", "咸宁市", "杰出校友", "已通过")
	if now := alumnus(e, "高文博"); now.Version != rec.Version+1 || now.Organization != "咸宁市高新区管委会" || now.Name != rec.Name {
		t.Fatalf("after edit: %+v", now)
	}

	// The same form again, at the version read before: someone saved first.
	f.Set("organization", "另一个单位")
	stale := c.postForm(path+"/edit", f)
	if stale.Status != http.StatusConflict {
		t.Fatalf("stale: %d", stale.Status)
	}
	stale.mustShow(t, "已被他人修改", "下面已换成最新内容", `value="咸宁市高新区管委会"`, `name="version" value="`+strconv.Itoa(rec.Version+1)+`"`)
	if strings.Contains(stale.Body, "另一个单位") {
		t.Fatal("stale form shows the refused value instead of the current one")
	}

	// A field error is shown next to the field, with what was typed.
	f.Set("version", strconv.Itoa(rec.Version+1))
	f.Set("title", strings.Repeat("长", 65))
	bad := c.postForm(path+"/edit", f)
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("too long: %d", bad.Status)
	}
	bad.mustShow(t, `id="err-title"`, "「职务职称」不能超过 64 字", `aria-describedby="err-title"`, `value="另一个单位"`)
	if alumnus(e, "高文博").Organization != "咸宁市高新区管委会" {
		t.Fatal("an invalid form was saved")
	}

	if got := e.as(townA).postForm(path+"/edit", f); got.Status != http.StatusForbidden {
		t.Fatalf("township: %d", got.Status)
	}
	if got := c.get("/console/alumni/99999999/edit"); got.Status != http.StatusNotFound {
		t.Fatalf("unknown alumnus: %d", got.Status)
	}
}

func TestAlumni_claimsListsStaffEntryClaimedInMiniProgram(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	c := e.as(districtR)
	c.get("/console/").mustShow(t, `href="/console/alumni/claims"`, "认领记录")
	before := c.get("/console/alumni/claims")
	if strings.Contains(before.Body, "鲁思源") {
		t.Fatal("listed before the claim")
	}
	// Entered by staff in the console, then claimed by its person in the mini program (same ID
	// number, the phone bound through WeChat).
	id := fixID("42120219850607321")
	c.follow(c.postForm("/console/alumni", url.Values{"name": {"鲁思源"}, "id_card": {id}, "phone": {"13907160001"},
		"school_code": {"xa_yizhong"}, "entry_year": {"2000"}, "directory_consent": {"on"}})).mustShow(t, "已登记校友 鲁思源", "尚未认领")
	user, err := e.app.Accounts.DemoUser(ctx, "o-alumni-claim-test", "13907160001")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Alumni.SaveMine(ctx, user, alumni.Input{Name: "鲁思源", IDCard: id, SchoolCode: "xa_yizhong", EntryYear: 2000,
		Organization: "武汉光谷某公司", DirectoryConsent: true}); err != nil {
		t.Fatal(err)
	}
	got := c.get("/console/alumni/claims")
	got.mustShow(t, "鲁思源", id[:4]+"**", "咸安区第一中学", "#"+strconv.FormatInt(user, 10), "认领时间")
	if strings.Contains(got.Body, id) {
		t.Fatal("the full ID number is shown")
	}
	if got := e.as(townB).get("/console/alumni/claims"); got.Status != http.StatusForbidden {
		t.Fatalf("township: %d", got.Status)
	}
}

// TestBrowser_AlumnusEdit: a department reviewer (demo_hrss) signs in, opens an alumnus from the
// list, clicks 修改, changes the organization and saves; the detail page shows the new value with
// the flash message. Then 校友 → 认领记录 opens.
func TestBrowser_AlumnusEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t, browsertest.Timeout(4*time.Minute))
	signInBrowser(t, ctx, e, "demo_hrss")
	gao := `#alumni-results a[href="/console/alumni/` + strconv.FormatInt(alumnusID(e, "高文博"), 10) + `"]`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/alumni"]`)),
		chromedp.WaitVisible(chromedp.CSS(gao)),
		chromedp.Click(chromedp.CSS(gao)),
		chromedp.WaitVisible(chromedp.ID("edit-alumnus")),
		chromedp.Click(chromedp.ID("edit-alumnus")),
		chromedp.WaitVisible(chromedp.ID("organization")),
	); err != nil {
		t.Fatal(err)
	}
	// Select what is in the field and type over it, as a clerk does.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const i = document.getElementById('organization'); i.focus(); i.select(); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("organization"), "咸宁市高新区管委会")); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "alumni-edit.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/edit"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash-ok`)))
	if err != nil || !strings.Contains(flash, "已保存 高文博 的校友信息") {
		t.Fatalf("after save: %q (%v)", flash, err)
	}
	fields, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`dl.fields`)))
	if err != nil || !strings.Contains(fields, "咸宁市高新区管委会") {
		t.Fatalf("detail: %q (%v)", fields, err)
	}
	shot(t, ctx, "alumni-detail-after-edit.png")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/alumni/claims"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "alumni-claims.png")
}

// shot saves a screenshot into $HX_SCREENSHOTS when it is set.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}
