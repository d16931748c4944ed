package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huixiang/internal/notice"
)

// returnedInHeshengqiao is the done-when audience: returned, intends to start, 贺胜桥镇.
const returnedInHeshengqiao = `{"all":[{"field":"returnee_status","op":"eq","value":"returned"},{"field":"startup_intention","op":"in","value":["considering","preparing"]},{"field":"township","op":"eq","value":"990102"}]}`

// hrssID is demo_hrss's staff id.
func hrssID(e *env) int64 {
	e.t.Helper()
	st, err := e.app.Staff.GetByUsername(context.Background(), "demo_hrss")
	if err != nil {
		e.t.Fatal(err)
	}
	return st.ID
}

// draftNotice drafts a notice by demo_hrss through the service (test setup).
func draftNotice(e *env, title string) int64 {
	e.t.Helper()
	n, err := e.app.Notices.Draft(context.Background(), hrssID(e), notice.Input{Title: title, PushSummary: "创业补贴开始申报",
		Body: "详情见政策清单", Rule: json.RawMessage(returnedInHeshengqiao)})
	if err != nil {
		e.t.Fatal(err)
	}
	return n.ID
}

func init() {
	may := map[role]int{dept: 200, districtR: 200}
	addPages(
		pageCase{Route: "GET /notices", Want: may, Shows: map[role][]string{dept: {"通知", "写通知"}, districtR: {"通知"}}},
		pageCase{Route: "GET /notices/new", Want: may, Shows: map[role][]string{
			dept: {"写通知", "推送摘要", `data-count-max="20"`, "检查人数", "定时发送"}}},
		pageCase{Route: "GET /notices/:id", Path: func(e *env) string { return fmt.Sprintf("/notices/%d", draftNotice(e, "页面测试通知")) },
			Want: may, Shows: map[role][]string{
				dept:      {"页面测试通知", "待审核", "撤销", "起草人不能审核自己的通知", "发送对象"},
				districtR: {"页面测试通知", "审核通过", "撤销"}}},
	)
}

// TestNotices_draftApproveSendReport is the done-when in the console: a department
// clerk drafts a notice to "returned, intends to start, 贺胜桥镇"; the clerk cannot approve it
// (403: not a district administrator); the district admin approves it; once fanned out the
// report counts the audience and the inbox messages, in the list and on the page.
func TestNotices_draftApproveSendReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := e.as(dept)
	created := clerk.postForm("/console/notices", url.Values{"title": {"返乡创业补贴开始申报"}, "push_summary": {"返乡创业补贴开始申报"},
		"body": {"符合条件的返乡人员可在小程序申请。"}, "rule": {returnedInHeshengqiao}, "policy_id": {""}, "page": {""}, "send_at": {""}})
	if created.Status != http.StatusSeeOther {
		t.Fatalf("draft: %d %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	clerk.get(loc).mustShow(t, "通知已保存，等待区级管理员审核", "待审核", "起草人不能审核自己的通知")
	if got := clerk.postForm(loc+"/approve", nil); got.Status != http.StatusForbidden {
		t.Fatalf("the clerk approves: %d", got.Status)
	}
	admin := e.as(districtR)
	approved := admin.follow(admin.postForm(loc+"/approve", nil))
	approved.mustShow(t, "已审核通过", "已审核，待发送", `hx-trigger="every 3s"`)
	var id int64
	fmt.Sscanf(loc, "/console/notices/%d", &id)
	if _, err := e.app.Notices.StartDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Notices.Fanout(t.Context(), id, 100, nil); err != nil {
		t.Fatal(err)
	}
	n, err := e.app.Notices.Get(t.Context(), id)
	if err != nil || n.Report.Audience == nil || *n.Report.Audience == 0 {
		t.Fatalf("report: %+v %v", n, err)
	}
	// The page polls while pushes go out (due now: at night they would wait for the morning);
	// then the worker (not running here) finds no consent.
	e.app.DB.MustExec(`UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP(3) WHERE notice_id = ?`, id)
	if !strings.Contains(admin.htmx(loc).Body, "every 3s") {
		t.Fatal("the report does not poll while pushes are queued")
	}
	e.app.DB.MustExec(`UPDATE outbox SET status = 'skipped', skip_reason = 'no_consent' WHERE notice_id = ?`, id)
	report := admin.htmx(loc)
	report.mustShow(t, "已发送", fmt.Sprintf("<strong>%d</strong>", *n.Report.Audience), fmt.Sprintf("<strong>%d</strong>", n.Report.Inbox))
	if strings.Contains(report.Body, "every 3s") || strings.Contains(report.Body, "<html") {
		t.Fatalf("the sent report's fragment still polls or is a page: %s", report.Body)
	}
	list := clerk.get("/console/notices?status=sent")
	list.mustShow(t, "返乡创业补贴开始申报", "已发送", fmt.Sprintf(`<td class="num">%d</td>`, *n.Report.Audience))
	if got := clerk.postForm(loc+"/cancel", nil); got.Status != http.StatusConflict || !strings.Contains(got.Body, "不能撤销") {
		t.Fatalf("cancel after sending: %d %s", got.Status, got.Body)
	}
}

// TestNotices_sameReviewerAndCancel: a notice the district admin drafted cannot be approved by
// the same account (409 in words); it can be cancelled before sending.
func TestNotices_sameReviewerAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.as(districtR)
	loc := admin.postForm("/console/notices", url.Values{"title": {"校友活动通知"}, "push_summary": {"校友返乡座谈会"},
		"rule": {`{"field":"role","op":"has_any","value":["alumnus"]}`}, "send_at": {"2099-01-01T09:30"}}).Header.Get("Location")
	same := admin.postForm(loc+"/approve", nil)
	if same.Status != http.StatusConflict || !strings.Contains(same.Body, "起草人不能审核自己的通知") {
		t.Fatalf("the drafter approves: %d %s", same.Status, same.Body)
	}
	page := admin.get(loc)
	page.mustShow(t, "定时 2099-01-01 09:30")
	cancelled := admin.follow(admin.postForm(loc+"/cancel", nil))
	cancelled.mustShow(t, "通知已撤销", "已撤销")
	if strings.Contains(cancelled.Body, `action="`+loc+`/cancel"`) {
		t.Fatal("a cancelled notice still offers 撤销")
	}
}

// TestNotices_formErrors: a push summary over 20 characters, no audience, a broken rule, a
// page outside the mini program: 422 with what to fix, nothing saved.
func TestNotices_formErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as(dept)
	base := func() url.Values {
		return url.Values{"title": {"测试"}, "push_summary": {"测试摘要"}, "rule": {returnedInHeshengqiao}}
	}
	for _, tc := range []struct{ field, value, want string }{
		{"push_summary", strings.Repeat("字", 21), "推送摘要最多 20 个字"},
		{"rule", "", "请设定发送对象"},
		{"rule", `{"field":"township","op":"has_any","value":1}`, "条件规则有误"},
		{"page", "https://example.com", "小程序页面应以 pages/ 开头"},
		{"send_at", "明天", "定时发送请填写日期和时间"},
		{"policy_id", "999999", "关联的政策不存在或没有发布"},
	} {
		form := base()
		form.Set(tc.field, tc.value)
		got := c.postForm("/console/notices", form)
		if got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, tc.want) {
			t.Errorf("%s=%q: %d, want 422 with %q: %s", tc.field, tc.value, got.Status, tc.want, got.Body)
		}
	}
	var n int
	if err := e.app.DB.Get(&n, `SELECT COUNT(*) FROM notices`); err != nil || n != 0 {
		t.Fatalf("%d notices saved from bad forms (%v)", n, err)
	}
}

// TestNotices_pushReportAndResend: the report shows the WeChat pushes by outcome; failed ones
// can be sent again from the page (audited), after which they are queued, not failed.
func TestNotices_pushReportAndResend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := draftNotice(e, "推送测试通知")
	admin := e.as(districtR)
	loc := fmt.Sprintf("/console/notices/%d", id)
	admin.follow(admin.postForm(loc+"/approve", nil)).mustShow(t, "已审核通过")
	if _, err := e.app.Notices.StartDue(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := e.app.Notices.Fanout(t.Context(), id, 100, nil); err != nil {
		t.Fatal(err)
	}
	var pushes int
	e.app.DB.Get(&pushes, `SELECT COUNT(*) FROM outbox WHERE notice_id = ?`, id)
	if pushes == 0 {
		t.Fatal("the fan-out wrote no pushes")
	}
	// One push WeChat refused for good, one it skipped for want of consent.
	e.app.DB.MustExec(`UPDATE outbox SET status = 'dead', last_error = 'errcode=47003' WHERE notice_id = ? ORDER BY id LIMIT 1`, id)
	page := admin.get(loc)
	page.mustShow(t, "微信推送", "订阅消息已发", "公众号消息已发", "发送失败</span><strong>1</strong>", "重发失败的推送")
	done := admin.follow(admin.postForm(loc+"/resend", nil))
	done.mustShow(t, "已重新安排 1 条推送")
	if strings.Contains(done.Body, "发送失败</span><strong>1</strong>") {
		t.Fatalf("still failed after resend: %s", done.Body)
	}
	var audited int
	e.app.DB.Get(&audited, `SELECT COUNT(*) FROM audit_log WHERE action = 'notice.resend' AND target_id = ?`, fmt.Sprint(id))
	if audited != 1 {
		t.Fatalf("resend audited %d times", audited)
	}
}
