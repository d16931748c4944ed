package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"huixiang/internal/browsertest"
)

// TestBrowser_EventQRAndAlumnusReview: a department reviewer (demo_hrss) signs in, creates an
// event through the form, opens its printable check-in QR code (the image has loaded), then finds
// a pending alumnus through the list's filter and approves the registration.
func TestBrowser_EventQRAndAlumnusReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := browsertest.New(t, browsertest.Timeout(4*time.Minute))
	signInBrowser(t, ctx, e, "demo_hrss")

	// 活动 → 活动管理 → 新建活动: title, times (Beijing time) typed into the datetime-local
	// fields, the default points rule.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/events"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/console/events/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/console/events/new"]`)),
		chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "2027 春季校友招商推介会"),
	); err != nil {
		t.Fatal(err)
	}
	typeDateTime(t, ctx, "starts_at", time.Date(2027, 3, 20, 9, 30, 0, 0, time.UTC))
	typeDateTime(t, ctx, "ends_at", time.Date(2027, 3, 20, 12, 0, 0, 0, time.UTC))
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/console/events"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash-ok`)))
	if err != nil || !strings.Contains(flash, "已创建活动「2027 春季校友招商推介会」") {
		t.Fatalf("after create: %q (%v)", flash, err)
	}
	times, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`dl.fields`)))
	if err != nil || !strings.Contains(times, "2027-03-20 09:30 至 2027-03-20 12:00") {
		t.Fatalf("event times: %q (%v)", times, err)
	}

	// 打印签到码: the QR image has loaded, with the title and times around it.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.button[href$="/qr"]`)),
		chromedp.WaitVisible(chromedp.CSS(`img.event-qr-code`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('img.event-qr-code'); return i.complete && i.naturalWidth > 0; })()`)); err != nil {
		t.Fatalf("the QR image did not load: %v", err)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`article.event-qr`)))
	if err != nil || !strings.Contains(page, "2027 春季校友招商推介会") || !strings.Contains(page, "2027-03-20 09:30") {
		t.Fatalf("QR page: %q (%v)", page, err)
	}
	if dir := os.Getenv("HX_SCREENSHOTS"); dir != "" {
		if err := browsertest.Screenshot(ctx, filepath.Join(dir, "event-qr.png")); err != nil {
			t.Error(err)
		}
	}

	// 校友 → 校友名录, filtered to 待审核, open 程思远 and approve.
	chengID := alumnusID(e, "程思远")
	cheng := `#alumni-results a[href="/console/alumni/` + strconv.FormatInt(chengID, 10) + `"]`
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav.sidebar a[href="/console/alumni"]`)),
		chromedp.WaitVisible(chromedp.ID("f-status")),
		chromedp.SetValue(chromedp.ID("f-status"), "pending"),
		chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	// htmx swapped the results in and put the filter into the address.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`location.search.includes('status=pending')`)); err != nil {
		t.Fatal(err)
	}
	// The swap may still be settling: the row's link is clicked until the person's page opens.
	for try := 0; ; try++ {
		err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(cheng)), chromedp.Click(chromedp.CSS(cheng)))
		if err == nil {
			break
		}
		if try == 10 {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitLoaded(t, ctx, fmt.Sprintf("/console/alumni/%d", chengID))
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("approve")),
		chromedp.Click(chromedp.ID("approve")),
		chromedp.WaitVisible(chromedp.CSS(`.flash-ok`)),
	); err != nil {
		t.Fatal(err)
	}
	flash, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.flash-ok`)))
	if err != nil || !strings.Contains(flash, "已通过 程思远 的校友登记") {
		t.Fatalf("after approve: %q (%v)", flash, err)
	}
	if rec := alumnus(e, "程思远"); rec.Status != "approved" {
		t.Fatalf("程思远 is %s", rec.Status)
	}
}

// typeDateTime types at (wall clock, the zone is ignored) into the datetime-local input id as a
// clerk does, field by field. The fields' order depends on the browser's locale (month/day/year
// and AM/PM in en-US, year/month/day in zh-CN): each order is tried until the input holds at.
func typeDateTime(t testing.TB, ctx context.Context, id string, at time.Time) {
	t.Helper()
	want := at.Format("2006-01-02T15:04")
	ampm := "A"
	if at.Hour() >= 12 {
		ampm = "P"
	}
	for _, keys := range []string{
		at.Format("01022006") + "\t" + at.Format("0304") + ampm, // en-US: mm/dd/yyyy, hh:mm AM
		at.Format("20060102") + "\t" + at.Format("1504"),        // zh-CN: yyyy/mm/dd hh:mm
		at.Format("2006\t01\t02\t15\t04"),
	} {
		if err := chromedp.Do(ctx,
			chromedp.SetValue(chromedp.ID(id), ""),
			chromedp.Focus(chromedp.ID(id)),
			chromedp.SendKeys(chromedp.ID(id), keys),
		); err != nil {
			t.Fatal(err)
		}
		if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(id))); err == nil && got == want {
			return
		}
	}
	t.Fatalf("could not type %s into #%s", want, id)
}
