package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_NoticeDraftedApprovedAndReported: demo_hrss writes a notice (the push summary's
// counter turns red over 20 characters and the server says why), checks the audience, saves
// it; the district administrator opens it, approves it, and the report on the page refreshes
// itself until it says 已发送 with the numbers.
func TestBrowser_NoticeDraftedApprovedAndReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t, browsertest.Timeout(90*time.Second), browsertest.AllowErrors(`status of 422`, `Response Status Error Code 422`))
	signInBrowser(t, ctx, e, "demo_hrss")
	long := "返乡创业一次性补贴今天开始申报请尽快提交材料"
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/notices"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/notices/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/notices/new"]`)),
		chromedp.WaitVisible(chromedp.ID("n-title")),
		chromedp.SendKeys(chromedp.ID("n-title"), "返乡创业补贴开始申报"),
		chromedp.SendKeys(chromedp.ID("n-push"), long),
		chromedp.SendKeys(chromedp.ID("n-body"), "符合条件的返乡人员可在小程序“政策”里查看并申请。"),
		chromedp.SetValue(chromedp.ID("n-rule"), returnedInHeshengqiao),
		chromedp.Click(chromedp.CSS(`button[hx-post="/console/audiences/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#rule-preview .audience-count`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#n-push-count`); got != "22/20" {
		t.Fatalf("counter: %q", got)
	}
	over, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('n-push-count').classList.contains('over')`))
	if err != nil || !over {
		t.Fatalf("the counter is not marked over the limit (%v)", err)
	}
	shotAs(t, ctx, "notice-new")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/notices"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#notice-result .flash-error`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#notice-result`); !strings.Contains(got, "推送摘要最多 20 个字") {
		t.Fatalf("error: %q", got)
	}
	shotAs(t, ctx, "notice-new-error")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('n-push').value = ''; true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("n-push"), "返乡创业补贴开始申报"),
		chromedp.Click(chromedp.CSS(`form[action="/console/notices"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, ctx, "等待区级管理员审核")
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}

	admin := browsertest.New(t)
	signInBrowser(t, admin, e, "admin")
	if err := chromedp.Do(admin,
		chromedp.Navigate(e.srv.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/approve"] button`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(admin, chromedp.Evaluate[bool](`window.confirm = () => true; true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(admin,
		chromedp.Click(chromedp.CSS(`form[action$="/approve"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, admin, "已审核通过")
	shotAs(t, admin, "notice-approved")
	// The server's loop would start it within 10 s; the test starts it now.
	var id int64
	if err := e.app.DB.Get(&id, `SELECT id FROM notices WHERE title = '返乡创业补贴开始申报'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Notices.StartDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Notices.Fanout(t.Context(), id, 100, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err := chromedp.Run(admin, chromedp.Text(chromedp.ID("notice-report")))
		if err == nil && strings.Contains(got, "已发送") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report did not refresh to 已发送: %q (%v)", got, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	cancel, err := chromedp.Run(admin, chromedp.Evaluate[bool](`!!document.querySelector('form[action$="/cancel"]')`))
	if err != nil || cancel {
		t.Fatalf("a sent notice still offers 撤销 (%v)", err)
	}
	shotAs(t, admin, "notice-sent")
}
