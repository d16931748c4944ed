package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// shotAs saves a screenshot of the tab into $HX_SCREENSHOTS (when set) as name.png.
func shotAs(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HX_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(dir, name+".png")); err != nil {
		t.Fatal(err)
	}
}

// textOf is the text of the first element matching css.
func textOf(t testing.TB, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// TestBrowser_DepartmentClerkWritesAndPublishesAPolicy: demo_hrss opens 政策清单 from the menu,
// fills the new-policy form, checks how many people the rule selects (count and masked
// sample), mistypes the phone and reads why next to the button, fixes it, saves the draft and
// publishes it.
func TestBrowser_DepartmentClerkWritesAndPublishesAPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t, browsertest.AllowErrors(`status of 422`, `Response Status Error Code 422`))
	signInBrowser(t, ctx, e, "demo_hrss")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/policies"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/policies/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/policies/new"]`)),
		chromedp.WaitVisible(chromedp.ID("p-title")),
		chromedp.SendKeys(chromedp.ID("p-title"), "返乡创业一次性补贴"),
		chromedp.SendKeys(chromedp.ID("p-doc-no"), "咸人社发〔2026〕3号"),
		chromedp.SetValue(chromedp.ID("p-category"), "startup_subsidy"),
		chromedp.Click(chromedp.CSS(`input[name=targets][value=enterprise]`)),
		chromedp.SendKeys(chromedp.ID("p-summary"), "首次创业的返乡人员可申请一次性补贴 5000 元"),
		chromedp.SendKeys(chromedp.ID("p-body"), "<p>第一条 补贴对象为首次创业的返乡人员。</p>"),
		chromedp.SendKeys(chromedp.ID("p-conditions"), "返乡人员，营业执照登记未满 3 年"),
		chromedp.SetValue(chromedp.ID("p-rule"), `{"all":[{"field":"role","op":"has_any","value":["returnee"]},{"field":"returnee_status","op":"eq","value":"returned"}]}`),
		chromedp.Click(chromedp.CSS(`button[hx-post="/console/audiences/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#rule-preview .audience-count`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#rule-preview`); !strings.Contains(got, "现在符合条件的有") || !strings.Contains(got, "*") {
		t.Fatalf("preview: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("p-benefits"), "一次性补贴 5000 元"),
		chromedp.SendKeys(chromedp.ID("p-materials"), "身份证\n营业执照"),
		chromedp.SendKeys(chromedp.ID("p-steps"), "小程序提交申请\n镇（街道）审核\n区人社局审核并拨付"),
		chromedp.SendKeys(chromedp.ID("p-contact-phone"), "请拨打8321234"),
		chromedp.SetValue(chromedp.ID("p-expires"), "2028-12-31"),
	); err != nil {
		t.Fatal(err)
	}
	shotAs(t, ctx, "policy-new")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form.policy-edit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#policy-result .flash-error`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#policy-result`); !strings.Contains(got, "咨询电话只能是数字") {
		t.Fatalf("phone error: %q", got)
	}
	shotAs(t, ctx, "policy-new-error")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("p-contact-phone"), "0715-8321234"),
		chromedp.Click(chromedp.CSS(`form.policy-edit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `.flash-ok`); !strings.Contains(got, "已保存草稿") {
		t.Fatalf("after saving: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFlash(t, ctx, "已发布第 1 版")
	shotAs(t, ctx, "policy-published")
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/console/policies"), chromedp.WaitVisible(chromedp.CSS(`#policy-results table`))); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `#policy-results`); !strings.Contains(got, "返乡创业一次性补贴") || !strings.Contains(got, "已发布") {
		t.Fatalf("list: %q", got)
	}
	shotAs(t, ctx, "policy-list")
}

// waitFlash waits until the page's flash message says want.
func waitFlash(t testing.TB, ctx context.Context, want string) {
	t.Helper()
	for range 100 {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.flash-ok')||{}).textContent||''`))
		if err == nil && strings.Contains(s, want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no flash %q", want)
}
