package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_ServicePointAddedAndRemoved: demo_hrss opens 服务网点 from the menu, fills the form
// for a township's 零工驿站 but forgets the township (the answer says so next to the button),
// picks it, saves, finds the point in the list filtered by township, and removes it after
// confirming.
func TestBrowser_ServicePointAddedAndRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t, browsertest.Timeout(90*time.Second), browsertest.AllowErrors(`status of 422`, `Response Status Error Code 422`))
	signInBrowser(t, ctx, e, "demo_hrss")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/service-points"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/service-points/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/service-points/new"]`)),
		chromedp.WaitVisible(chromedp.ID("sp-name")),
		chromedp.SendKeys(chromedp.ID("sp-name"), "贺胜桥镇零工驿站"),
		chromedp.SetValue(chromedp.ID("sp-kind"), "gig_station"),
		chromedp.SetValue(chromedp.ID("sp-level"), "township"),
		chromedp.SendKeys(chromedp.ID("sp-address"), "贺胜桥镇贺胜路 18 号"),
		chromedp.SendKeys(chromedp.ID("sp-lat"), "29.9712"),
		chromedp.SendKeys(chromedp.ID("sp-lng"), "114.3551"),
		chromedp.SendKeys(chromedp.ID("sp-hours"), "每天 7:00-11:00"),
		chromedp.SendKeys(chromedp.ID("sp-phone"), "0715-8329999"),
		chromedp.SendKeys(chromedp.ID("sp-services"), "零工信息发布、用工对接"),
		chromedp.Click(chromedp.CSS(`.service-point-form form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#sp-result .flash-error`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#sp-result`); !strings.Contains(got, "请选择所在镇（街道）") {
		t.Fatalf("error: %q", got)
	}
	shotAs(t, ctx, "service-point-error")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("sp-township"), "990102"),
	); err != nil {
		t.Fatal(err)
	}
	shotAs(t, ctx, "service-point-new")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.service-point-form form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, ctx, "已新建服务网点“贺胜桥镇零工驿站”")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/service-points?township=990102"),
		chromedp.WaitVisible(chromedp.CSS(`#service-point-results table`))); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#service-point-results`); !strings.Contains(got, "贺胜桥镇零工驿站") || !strings.Contains(got, "零工驿站") {
		t.Fatalf("list: %q", got)
	}
	shotAs(t, ctx, "service-point-list")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.confirm = () => true; true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/remove"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, ctx, "已删除服务网点")
}
