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

// TestBrowser_TrainingTrack: 区人社局 opens a trainee's record: the stages read left to right, the
// next step's form and the visit log are usable (every control labelled, contrast AA), and
// marking the month of training too early says from which date it may be marked.
func TestBrowser_TrainingTrack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := trackOf(e, firstReturnee(e))
	ctx := browsertest.New(t, browsertest.AllowErrors(`status of 409`))
	signInBrowser(t, ctx, e, "demo_hrss")
	path := fmt.Sprintf("/console/trainings/%d", id)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`ol.steps`))); err != nil {
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
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "training-track.png")); err != nil {
			t.Fatal(err)
		}
	}
	// Enrolled on 2026-01-05: the month of training ends 2026-02-05; the 4th is refused.
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("next-on"), "2026-02-04"),
		chromedp.Click(chromedp.CSS(`#next-title ~ form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-page, .flash-error`)),
	); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "最早可在 2026年2月5日 标记") {
		t.Fatalf("too early says %q", msg)
	}
}
