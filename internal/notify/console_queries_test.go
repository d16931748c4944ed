package notify_test

import (
	"testing"
	"time"

	"huixiang/internal/notify"
	"huixiang/internal/testenv"
)

// DeliveryCounts counts every row by status (sending counts as pending) and the last days' rows
// by China day and template; older rows count only in All.
func TestDeliveryCounts_byStatusDayAndTemplate(t *testing.T) {
	db := testenv.MySQL(t)
	svc := notify.NewService(db, notify.Options{})
	// 2026-03-10 01:00 in China is 2026-03-09 17:00 UTC: the day is the 10th.
	now := time.Date(2026, 3, 10, 4, 0, 0, 0, time.UTC)
	n := 0
	add := func(status, tpl string, at time.Time) {
		n++
		if _, err := db.Exec(`INSERT INTO outbox (kind, dedup_key, user_id, payload, status, next_attempt_at, created_at, updated_at)
			VALUES ('wechat_subscribe', ?, 1, JSON_OBJECT('openid', 'o', 'template_id', ?, 'data', JSON_OBJECT()), ?, ?, ?, ?)`,
			"k"+string(rune('a'+n)), tpl, status, at, at, at); err != nil {
			t.Fatal(err)
		}
	}
	add("sent", "A", time.Date(2026, 3, 9, 17, 0, 0, 0, time.UTC)) // China 03-10
	add("dead", "A", time.Date(2026, 3, 9, 15, 0, 0, 0, time.UTC)) // China 03-09 23:00
	add("sending", "B", time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC))
	add("skipped", "B", time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC))
	add("sent", "A", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) // too old for the days

	d, err := svc.DeliveryCounts(t.Context(), 7, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (notify.Counts{Sent: 2, Pending: 1, Dead: 1, Skipped: 1}); d.All != want {
		t.Fatalf("all: %+v, want %+v", d.All, want)
	}
	if len(d.ByDay) != 3 || d.ByDay[0].Day != "2026-03-10" || d.ByDay[0].Sent != 1 || d.ByDay[0].Pending != 1 ||
		d.ByDay[1].Day != "2026-03-09" || d.ByDay[1].Dead != 1 || d.ByDay[2].Day != "2026-03-08" || d.ByDay[2].Skipped != 1 {
		t.Fatalf("by day: %+v", d.ByDay)
	}
	if len(d.ByTemplate) != 2 || d.ByTemplate[0].TemplateID != "A" || d.ByTemplate[0].Total() != 2 || d.ByTemplate[1].Total() != 2 {
		t.Fatalf("by template: %+v", d.ByTemplate)
	}
	if d, _ := svc.DeliveryCounts(t.Context(), 1, now); len(d.ByDay) != 1 || d.Days != 1 {
		t.Fatalf("one day: %+v", d.ByDay)
	}
	if d, _ := svc.DeliveryCounts(t.Context(), 10000, now); d.Days != notify.MaxDeliveryDays {
		t.Fatalf("days not bounded: %d", d.Days)
	}
}
