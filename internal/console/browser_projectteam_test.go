package console_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_ProjectTeam: 区人社局, the team's department, opens a signed project's team page:
// every control is labelled with enough contrast, and an actual date before the signing date is
// refused with the reason, the date typed kept.
func TestBrowser_ProjectTeam(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := teamedProject(e, "官埠桥镇帮办项目", "990101")
	ctx := browsertest.New(t, browsertest.AllowErrors(`status of 422`))
	signInBrowser(t, ctx, e, "demo_hrss")
	path := fmt.Sprintf("/console/projects/%d/team", id)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.ID("ms-title"))); err != nil {
		t.Fatal(err)
	}
	problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](pageAudit))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", path, p)
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "project-team.png")); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`input[name="actual_approval"]`), "2020-01-01"),
		chromedp.Click(chromedp.CSS(`form[action$="/milestones"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("form-error")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "“立项”的实际日期不能早于签约日期") {
		t.Fatalf("before signing says %q", msg)
	}
	typed, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="actual_approval"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if typed != "2020-01-01" {
		t.Fatalf("the date typed is not kept: %q", typed)
	}
}
