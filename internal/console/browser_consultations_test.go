package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_DispatcherReassignsAnOverdueConsultation: demo_hrss opens 线上问诊 from the menu,
// sees the overdue consultation marked red, ticks 只看超时未回复, picks another mentor in the
// row and reassigns it; the flash names the mentor and the overdue list is empty.
func TestBrowser_DispatcherReassignsAnOverdueConsultation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := newConsultations(e)
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "demo_hrss")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/consultations"]`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.row-overdue`)),
	); err != nil {
		t.Fatal(err)
	}
	shotAs(t, ctx, "consultations-list")
	if got := textOf(t, ctx, `tr.row-overdue`); !strings.Contains(got, "超时未回复") || !strings.Contains(got, f.m1Name) {
		t.Fatalf("overdue row: %q", got)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("c-filter-overdue")),
		chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `location.search.includes("overdue=1") && document.readyState === "complete"`)
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.consult-table tbody tr').length`))
	if err != nil || rows != 1 {
		t.Fatalf("overdue filter: %d rows (%v)", rows, err)
	}
	sel := fmt.Sprintf("assign-%d", f.overdue)
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID(sel), fmt.Sprint(f.m2)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#consult-%d .assign-form button[type=submit]`, f.overdue))),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `!!document.querySelector(".flash")`)
	if got := textOf(t, ctx, `.flash-ok`); !strings.Contains(got, "已转给"+f.m2Name+"导师") {
		t.Fatalf("flash: %q", got)
	}
	if got := textOf(t, ctx, `main`); !strings.Contains(got, "没有符合筛选条件的问诊") {
		t.Fatalf("after the reassignment the overdue list shows: %q", got)
	}
	shotAs(t, ctx, "consultations-reassigned")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+fmt.Sprintf("/console/consultations/%d", f.overdue)),
		chromedp.WaitVisible(chromedp.CSS(`.consult-detail`)),
	); err != nil {
		t.Fatal(err)
	}
	if got := textOf(t, ctx, `.consult-detail`); !strings.Contains(got, f.m2Name) || strings.Contains(got, "超时未回复") {
		t.Fatalf("detail after the reassignment: %q", got)
	}
	shotAs(t, ctx, "consultation-detail")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/consultations/stats"),
		chromedp.WaitVisible(chromedp.CSS(`.consult-stats`)),
	); err != nil {
		t.Fatal(err)
	}
	shotAs(t, ctx, "consultations-stats")
}

// TestBrowser_ClerkAddsAMentorWithAPhoto: demo_hrss adds a mentor with a photo chosen in the
// form's file input; the list and the mentor's page show it.
func TestBrowser_ClerkAddsAMentorWithAPhoto(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var pid int64
	if err := e.app.DB.Get(&pid, `SELECT person_id FROM returnees ORDER BY person_id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	// An ASCII name: with no locale (CI runs with a bare environment) Chromium cannot read a file
	// whose name is Chinese, and sends no file at all.
	file := filepath.Join(t.TempDir(), "mentor-photo.png")
	if err := os.WriteFile(file, picture(t, false), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "demo_hrss")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+fmt.Sprintf("/console/mentors/new?person=%d", pid)),
		chromedp.WaitVisible(chromedp.ID("m-photo")),
		chromedp.SendKeys(chromedp.ID("m-org"), "咸安茶业协会"),
		chromedp.Click(chromedp.CSS(`input[name=fields][value=tea]`)),
		chromedp.SetUploadFiles(chromedp.ID("m-photo"), []string{file}),
		chromedp.Click(chromedp.CSS(`.mentor-form button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, `!!document.querySelector(".flash-ok") && location.pathname === "/console/mentors"`)
	waitImage(t, ctx, `[...document.querySelectorAll("img.mentor-photo-small")]`)
	shotAs(t, ctx, "mentors-list-photo")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`td.mentor-name a`))); err != nil {
		t.Fatal(err)
	}
	waitImage(t, ctx, `[document.getElementById("m-photo-current")].filter(i => !!i)`)
	shotAs(t, ctx, "mentor-form-photo")
}

// waitFor waits up to 30 s until js (an expression) is true in the tab (a navigation in between
// is asked again).
// waitImage waits until one of the images the expression lists shows the 40-pixel photo. A
// photo whose request failed (a busy CI machine answering 503) is asked for again by reloading
// the page, as a clerk would.
func waitImage(t testing.TB, ctx context.Context, images string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	js := `(imgs => imgs.some(i => i.complete && i.naturalWidth === 40) ? "ok" : imgs.some(i => i.complete && i.naturalWidth === 0) ? "broken" : "wait")(` + images + `)`
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		switch {
		case err == nil && state == "ok":
			return
		case time.Now().After(deadline) || ctx.Err() != nil:
			t.Fatalf("waiting for the photo in %s: %q %v", images, state, err)
		case err == nil && state == "broken":
			if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitFor(t testing.TB, ctx context.Context, js string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("waiting for %s: %v", js, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
