package console_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func init() {
	addPages(pageCase{Route: "GET /outbox", Want: map[role]int{districtR: 200}, Shows: map[role][]string{
		districtR: {"消息发送", "发送失败", "已发送", "最近 14 天"}}})
}

// addOutboxRow writes an outbox row as the worker leaves it (test setup: the outbox has no
// service to make a row dead).
func addOutboxRow(e *env, status, lastErr string, created time.Time) int64 {
	e.t.Helper()
	var le any
	if lastErr != "" {
		le = lastErr
	}
	res, err := e.app.DB.ExecContext(e.t.Context(), `INSERT INTO outbox (kind, dedup_key, user_id, payload, status, attempts,
		next_attempt_at, last_error, created_at, updated_at) VALUES ('wechat_subscribe', ?, 7, ?, ?, 5, ?, ?, ?, ?)`,
		"test:"+status+":"+strconv.FormatInt(created.UnixNano(), 10),
		`{"openid":"o1","template_id":"tpl-progress-test","data":{"thing1":"x"}}`, status, created, le, created, created)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

func TestOutbox_deadLettersRetryAndCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := time.Now().UTC()
	dead := addOutboxRow(e, "dead", "errcode 40003: invalid openid", now.Add(-time.Hour))
	addOutboxRow(e, "sent", "", now.Add(-2*time.Hour))
	addOutboxRow(e, "sent", "", now.Add(-26*time.Hour))
	addOutboxRow(e, "pending", "", now)
	admin := e.as(districtR)

	page := admin.get("/console/outbox?status=dead")
	page.mustShow(t, "errcode 40003: invalid openid", "重新发送", "tpl-progress-test", "data-confirm")
	if strings.Count(page.Body, `action="/console/outbox/`) != 1 {
		t.Fatalf("want one retry form (dead rows only):\n%s", page.Body)
	}
	// Counts (the demo's applications add pending progress messages): sent 2, dead 1; this
	// test's template: sent 2, pending 1, dead 1, skipped 0; by day.
	for _, s := range []string{"<strong>2</strong>已发送", "<strong>1</strong>发送失败",
		`<code class="small">tpl-progress-test</code></td><td class="num">2</td><td class="num">1</td><td class="num">1</td><td class="num">0</td>`,
		now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")} {
		page.mustShow(t, s)
	}
	frag := admin.htmx("/console/outbox?status=sent")
	if strings.Contains(frag.Body, "<html") || strings.Contains(frag.Body, "invalid openid") || !strings.Contains(frag.Body, "已发送") {
		t.Fatalf("status filter fragment: %s", frag.Body)
	}

	res := admin.postForm("/console/outbox/"+strconv.FormatInt(dead, 10)+"/retry", nil)
	after := admin.follow(res)
	after.mustShow(t, "已重新排队", "没有发送失败的消息")
	admin.get("/console/outbox?status=pending").mustShow(t, "errcode 40003")
	again := admin.follow(admin.postForm("/console/outbox/"+strconv.FormatInt(dead, 10)+"/retry", nil))
	again.mustShow(t, "只有发送失败（dead）的消息可以重新发送")
	admin.get("/console/system/audit?action=outbox.retry").mustShow(t, "重新发送消息", "outbox")

	if r := admin.postForm("/console/outbox/999999/retry", nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown message: %d", r.Status)
	}
	if r := admin.get("/console/outbox?status=lost"); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown status: %d", r.Status)
	}
	if r := e.as(dept).postForm("/console/outbox/"+strconv.FormatInt(dead, 10)+"/retry", nil); r.Status != http.StatusForbidden {
		t.Errorf("department retries: %d", r.Status)
	}
}
