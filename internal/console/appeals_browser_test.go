package console_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
	"huixiang/internal/cn"
)

// TestBrowser_DispatcherAssignsARequest: the district administrator opens 诉求办理 from the
// menu, sees the overdue request red and first, opens the waiting one, picks the department and
// a due date in the form and assigns it; the flash names the department and the timeline shows
// the step.
func TestBrowser_DispatcherAssignsARequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newAppeals(e)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "admin")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/requests"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.row-overdue`)),
	); err != nil {
		t.Fatal(err)
	}
	shotAs(t, ctx, "requests-list")
	if got := textOf(t, ctx, `.appeal-table tbody tr:first-child`); !strings.Contains(got, "超期未办") {
		t.Fatalf("first row: %q", got)
	}
	due := time.Now().In(cn.Zone).AddDate(0, 0, 10).Format(time.DateOnly)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#request-%d a`, f.waiting))),
		chromedp.WaitVisible(chromedp.ID("assign-department")),
		chromedp.SetValue(chromedp.ID("assign-department"), "区人社局"),
		chromedp.SetValue(chromedp.ID("assign-due"), due),
		chromedp.SendKeys(chromedp.ID("assign-note"), "请人社局牵头办理"),
		chromedp.Click(chromedp.CSS(`form[action$="/assign"] button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `!!document.querySelector(".flash")`)
	if got := textOf(t, ctx, `.flash-ok`); !strings.Contains(got, "已交办区人社局") || !strings.Contains(got, due) {
		t.Fatalf("flash: %q", got)
	}
	if got := textOf(t, ctx, `.appeal-timeline`); !strings.Contains(got, "交办部门") || !strings.Contains(got, "请人社局牵头办理") {
		t.Fatalf("timeline: %q", got)
	}
	shotAs(t, ctx, "request-assigned")
}
