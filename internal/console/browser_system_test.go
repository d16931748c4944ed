package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_CreateStaffAccount: the district administrator signs in, opens 工作人员账号,
// creates a township clerk's account through the form with an initial password, signs out; the
// new clerk signs in with it and sees the township menu only (no 系统, no 消息).
func TestBrowser_CreateStaffAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t)
	shot := func(name string) {
		if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
			if err := browsertest.Screenshot(ctx, filepath.Join(dir, name+".png")); err != nil {
				t.Fatal(err)
			}
		}
	}
	signInBrowser(t, ctx, e, "admin")
	const password = "Zhao-wenshu-2026"
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/system/staff"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/system/staff/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/system/staff/new"]`)),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "gbq_zhao"),
		chromedp.SendKeys(chromedp.ID("display_name"), "赵文书"),
		chromedp.SetValue(chromedp.ID("role"), "township"),
		chromedp.SetValue(chromedp.ID("township_code"), "990101"),
		chromedp.Click(chromedp.ID("pw-typed")),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
	); err != nil {
		t.Fatal(err)
	}
	shot("system-staff-new")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/system/staff"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash-ok`)))
	if err != nil || !strings.Contains(msg, "账号 gbq_zhao 已创建") {
		t.Fatalf("after creating: %q (%v)", msg, err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil || !strings.Contains(page, "官埠桥镇") || !strings.Contains(page, "赵文书") {
		t.Fatalf("the new account's page: %q (%v)", page, err)
	}
	shot("system-staff-show")

	// Sign out; the new clerk signs in.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "gbq_zhao"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/console/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.sidebar`)),
	); err != nil {
		t.Fatal(err)
	}
	menu, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`nav.sidebar`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(menu, "工作台") || strings.Contains(menu, "系统") || strings.Contains(menu, "工作人员账号") || strings.Contains(menu, "消息发送") {
		t.Fatalf("the new township clerk's menu: %q", menu)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.topbar .who`)))
	if err != nil || !strings.Contains(who, "镇（街道）") {
		t.Fatalf("top bar: %q (%v)", who, err)
	}
}
