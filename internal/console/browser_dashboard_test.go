package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_DashboardCharts: the clerk of 官埠桥镇 signs in through the form and lands on the
// 工作台: the to-do numbers are there, every chart draws (a <canvas> in each chart element, no
// script error or CSP violation), and a click on the registrations to-do opens the registry list
// filtered to the records not confirmed in 180 days.
func TestBrowser_DashboardCharts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.app.DB.MustExec(`UPDATE returnees r JOIN persons p ON p.id = r.person_id SET r.confirmed_at = ? WHERE p.name = '张建国'`,
		time.Now().UTC().Add(-200*24*time.Hour))
	// The filtered list is another feature's page: until it is merged it is the console's 404
	// page, which Chromium logs as a failed load. The URL is what this test checks.
	ctx := browsertest.New(t, browsertest.AllowErrors(`status of 404`))
	signInBrowser(t, ctx, e, "demo_guanbuqiao")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`.todos .stat`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-registrations canvas`)),
	); err != nil {
		t.Fatal(err)
	}
	todos, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.todos`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"待镇级初审", "近期认领待核查", "长期未核实的登记"} {
		if !strings.Contains(todos, s) {
			t.Errorf("to-dos %q lack %q", todos, s)
		}
	}
	// Every chart element holds a canvas that ECharts drew on.
	missing, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('[data-chart]')).filter(el => !el.querySelector('canvas') || el.querySelector('canvas').width === 0).map(el => el.id)`))
	if err != nil {
		t.Fatal(err)
	}
	count, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-chart] canvas').length`))
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 || count < 4 {
		t.Errorf("charts without a canvas: %v (%d canvases)", missing, count)
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "dashboard-township.png")); err != nil {
			t.Fatal(err)
		}
	}
	stale, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`a.stat[href="/console/returnees?stale=1"] strong`)))
	if err != nil || stale != "1" {
		t.Errorf("stale to-do shows %q (%v), want 1", stale, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.stat[href="/console/returnees?stale=1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/console/returnees?stale=1") {
		t.Errorf("the registrations to-do leads to %q (%v)", loc, err)
	}
}

// TestBrowser_SurveyStatsByTownship: the district administrator opens the survey's statistics
// from the list, sees a bar chart per question, and picks a township: the counts and charts are
// swapped in place and the address keeps the filter.
func TestBrowser_SurveyStatsByTownship(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	answer(e, 9001, "990101", "started", "already")
	answer(e, 9002, "990101", "considering", "within_1y")
	answer(e, 9003, "990102", "started", "already")
	ctx := browsertest.New(t)
	signInBrowser(t, ctx, e, "admin")
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/console/surveys"),
		chromedp.Click(chromedp.CSS(`a[href="/console/surveys/1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-question=q1] canvas`)),
	); err != nil {
		t.Fatal(err)
	}
	total, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#survey-stats .stat strong`)))
	if err != nil || total != "3" {
		t.Fatalf("respondents %q (%v), want 3", total, err)
	}
	// Choosing an option as a person does: the select changes and fires its change event.
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.ID("survey-township"), "990102")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.getElementById('survey-township').dispatchEvent(new Event('change', {bubbles: true}))`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#survey-stats .stat`)))
		if err == nil && strings.Contains(got, "贺胜桥镇") {
			if !strings.HasPrefix(strings.TrimSpace(got), "1") {
				t.Errorf("贺胜桥镇 respondents: %q", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the township filter did not swap the counts: %q (%v)", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/console/surveys/1?township=990102") {
		t.Errorf("address after filtering: %q (%v)", loc, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-question=q2] canvas`))); err != nil {
		t.Errorf("q2 chart after the swap: %v", err)
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "survey-stats.png")); err != nil {
			t.Fatal(err)
		}
	}
}
