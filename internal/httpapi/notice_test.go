package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"huixiang/internal/notice"
)

// A department clerk drafts a notice about a policy to "returned, intends to start, township
// 贺胜桥镇"; a district administrator approves it; the people in it find it in their inbox.
func TestNotices_draftApproveDeliver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	seedRegions(t, e)
	admin := e.staffToken("admin", adminPasswd)
	e.createStaff(admin, map[string]string{"username": "hrclerk", "password": "Department12345", "role": "department", "department": "区人社局"})
	clerk := e.staffToken("hrclerk", "Department12345")

	r := e.do("POST", "/admin/api/v1/policy-library", admin, subsidyPolicy())
	var p policyAnswer
	r.json(t, &p)
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/policy-library/%d/publish", p.ID), admin, map[string]any{"version": p.Version}), 200, "")

	var inAudience []string
	for i, township := range []string{"990102", "990102", "990101"} {
		tok := e.registrant(fmt.Sprintf("o_notice_%d", i), fmt.Sprintf("1390000%04d", i))
		f := form(90+i, township)
		f["intention"] = "preparing"
		expect(t, e.do("PUT", "/api/v1/me/returnee", tok, f), 200, "")
		if township == "990102" {
			inAudience = append(inAudience, tok)
		}
	}
	outside := e.signIn("o_notice_9").Token

	body := map[string]any{
		"title": "贺胜桥镇返乡创业补贴开始申请", "push_summary": "5000 元创业补贴可以申请了", "body": "准备创业的返乡人员，请在小程序里申请一次性创业补贴。",
		"policy_id": p.ID,
		"rule": map[string]any{"all": []any{
			map[string]any{"field": "returnee_status", "op": "eq", "value": "returned"},
			map[string]any{"field": "startup_intention", "op": "in", "value": []string{"considering", "preparing"}},
			map[string]any{"field": "township", "op": "eq", "value": "990102"},
		}},
	}
	long := map[string]any{}
	for k, v := range body {
		long[k] = v
	}
	long["push_summary"] = strings.Repeat("长", 21)
	expect(t, e.do("POST", "/admin/api/v1/notices", clerk, long), 422, "VALIDATION_FAILED")
	r = e.do("POST", "/admin/api/v1/notices", clerk, body)
	expect(t, r, 201, "")
	var n struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
		Page   string `json:"page"`
		Report struct {
			Audience *int `json:"audience"`
			Inbox    int  `json:"inbox_written"`
			Read     int  `json:"read"`
		} `json:"report"`
	}
	r.json(t, &n)
	path := fmt.Sprintf("/admin/api/v1/notices/%d", n.ID)
	expect(t, e.do("POST", path+"/approve", clerk, nil), 403, "FORBIDDEN")

	// The administrator's own draft needs another administrator.
	r = e.do("POST", "/admin/api/v1/notices", admin, body)
	var own struct {
		ID int64 `json:"id"`
	}
	r.json(t, &own)
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/notices/%d/approve", own.ID), admin, nil), 409, "SAME_REVIEWER")
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/notices/%d/cancel", own.ID), admin, nil), 200, "")

	r = e.do("POST", path+"/approve", admin, nil)
	expect(t, r, 200, "")
	r.json(t, &n)
	if n.Status != "approved" || n.Report.Audience == nil || *n.Report.Audience != 2 || n.Page != fmt.Sprintf("pages/policy/policy?id=%d", p.ID) {
		t.Fatalf("approved: %s", r.Body)
	}
	ctx := context.Background()
	ids, err := e.app.Notices.StartDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := e.app.Notices.Fanout(ctx, id, notice.BatchSize, nil); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, e.do("POST", path+"/cancel", clerk, nil), 409, "INVALID_TRANSITION")

	var inbox struct {
		Items []struct {
			ID    int64  `json:"id"`
			Kind  string `json:"kind"`
			Title string `json:"title"`
		} `json:"items"`
	}
	for _, tok := range inAudience {
		r = e.do("GET", "/api/v1/me/messages", tok, nil)
		r.json(t, &inbox)
		if len(inbox.Items) == 0 || inbox.Items[0].Kind != "notice" || inbox.Items[0].Title != "贺胜桥镇返乡创业补贴开始申请" {
			t.Fatalf("inbox: %s", r.Body)
		}
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", inbox.Items[0].ID), inAudience[1], nil), 204, "")
	r = e.do("GET", "/api/v1/me/messages", outside, nil)
	if strings.Contains(string(r.Body), "notice") {
		t.Fatalf("outside the audience: %s", r.Body)
	}
	r = e.do("GET", path, clerk, nil)
	r.json(t, &n)
	if n.Status != "sent" || n.Report.Inbox != 2 || n.Report.Read != 1 {
		t.Fatalf("report: %s", r.Body)
	}
	// Publishing the policy proposed a notice of it to its audience, a draft for approval.
	r = e.do("GET", "/admin/api/v1/notices?status=draft", clerk, nil)
	var drafts struct {
		Items []struct {
			PolicyID *int64 `json:"policy_id"`
			Title    string `json:"title"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r.json(t, &drafts)
	if drafts.Total != 1 || drafts.Items[0].PolicyID == nil || *drafts.Items[0].PolicyID != p.ID || drafts.Items[0].Title != "返乡创业一次性补贴" {
		t.Fatalf("proposed: %s", r.Body)
	}
	r = e.do("GET", "/admin/api/v1/notices", clerk, nil)
	if !strings.Contains(string(r.Body), `"total":3`) {
		t.Fatalf("list: %s", r.Body)
	}
}
