package console_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
	"huixiang/internal/demo"
)

// TestBrowser_VerifyVoucherOnPhone: demo_hrss signs in on a phone, opens 核销 from the menu,
// types a demo voucher's code into the big box and sees 核销成功 in large text with the perk and
// the holder's masked name; the box is empty and focused again, and the same code a second time
// says the voucher was already used.
func TestBrowser_VerifyVoucherOnPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vs, err := demo.PointsVouchers(t.Context(), e.app, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	code := vs[0].Code
	ctx := browsertest.New(t, browsertest.Phone())
	signInBrowser(t, ctx, e, "demo_hrss")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/verify"]`)),
		chromedp.WaitVisible(chromedp.ID("verify-code")),
	); err != nil {
		t.Fatal(err)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement && document.activeElement.id`))
	if err != nil || focused != "verify-code" {
		t.Fatalf("the code box has no focus: %q %v", focused, err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById('verify-code').getBoundingClientRect().width`))
	if err != nil || width < 300 {
		t.Fatalf("the code box is %.0f px wide on a 390 px phone (%v)", width, err)
	}
	dir := os.Getenv("HX_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(dir, "phone-verify.png")); err != nil {
		t.Fatal(err)
	}
	// A clerk types the code in lower case with a space; the scanner would send the QR payload.
	typed := strings.ToLower(code[:6]) + " " + code[6:]
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("verify-code"), typed+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result .verify-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	result, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#verify-result`)))
	if err != nil || !strings.Contains(result, "核销成功") || !strings.Contains(result, vs[0].PerkName) || !strings.Contains(result, "欧**") {
		t.Fatalf("result %q (%v)", result, err)
	}
	size, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`parseFloat(getComputedStyle(document.querySelector('#verify-result .verify-title')).fontSize)`))
	if err != nil || size < 28 {
		t.Fatalf("the result is not in large text: %.0f px (%v)", size, err)
	}
	left, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id + ':' + document.getElementById('verify-code').value`))
	if err != nil || left != "verify-code:" {
		t.Fatalf("after the result the box is %q, want empty and focused (%v)", left, err)
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(dir, "phone-verify-ok.png")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("verify-code"), code),
		chromedp.Click(chromedp.CSS(`#verify-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-result .verify-fail`)),
	); err != nil {
		t.Fatal(err)
	}
	again, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#verify-result`)))
	if err != nil || !strings.Contains(again, "已使用") || !strings.Contains(again, "不能重复使用") {
		t.Fatalf("second time: %q (%v)", again, err)
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(dir, "phone-verify-used.png")); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
}
