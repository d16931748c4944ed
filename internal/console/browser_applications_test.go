package console_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_ApplicationTwoLevelReview: the township clerk of 官埠桥镇 signs in, opens an
// application waiting for township review from the queue, approves it with a reason and signs
// out; the department reviewer signs in, finds it in the district queue and approves it; the
// timeline shows both decisions.
func TestBrowser_ApplicationTwoLevelReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.appOf("张建国")
	link := fmt.Sprintf(`main a[href="/console/applications/%d"]`, id)
	shots := os.Getenv("HX_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	ctx := browsertest.New(t, browsertest.Timeout(3*time.Minute))

	decide := func(who, comment, shot string) string {
		t.Helper()
		signInBrowser(t, ctx, e, who)
		waitLoaded(t, ctx, "/console/")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/applications"]`))); err != nil {
			t.Fatalf("%s opens the queue: %v", who, err)
		}
		waitLoaded(t, ctx, "/console/applications")
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(link))); err != nil {
			t.Fatalf("%s opens application %d from the queue: %v", who, id, err)
		}
		waitLoaded(t, ctx, fmt.Sprintf("/console/applications/%d", id))
		if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("comment"))); err != nil {
			t.Fatalf("%s opens application %d from the queue: %v", who, id, err)
		}
		if err := browsertest.Screenshot(ctx, filepath.Join(shots, shot)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.ID("comment"), comment),
			chromedp.Click(chromedp.CSS(`button[name="decision"][value="approve"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
		); err != nil {
			t.Fatalf("%s approves: %v", who, err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash-ok`)))
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}

	msg := decide("demo_guanbuqiao", "材料齐全，经营属实，同意上报", "applications-detail-township.png")
	if !strings.Contains(msg, "已审核通过") || !strings.Contains(msg, "待区级审核") {
		t.Fatalf("after the township approval: %q", msg)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("username")),
	); err != nil {
		t.Fatal(err)
	}

	msg = decide("demo_hrss", "符合一次性创业补贴条件，同意", "applications-detail-district.png")
	if !strings.Contains(msg, "已批准待发放") {
		t.Fatalf("after the district approval: %q", msg)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("app-timeline")))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"乡镇审核通过", "材料齐全，经营属实，同意上报", "区级审核通过", "符合一次性创业补贴条件，同意"} {
		if !strings.Contains(timeline, s) {
			t.Errorf("the timeline does not show %q:\n%s", s, timeline)
		}
	}
	if err := browsertest.Screenshot(ctx, filepath.Join(shots, "applications-detail-approved.png")); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
}
