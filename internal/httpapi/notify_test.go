package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"huixiang/internal/audit"
	"huixiang/internal/notify"
	"huixiang/internal/wxfake"
)

type consentsAnswer struct {
	Consents map[string]int `json:"consents"`
	Ignored  []string       `json:"ignored"`
}

type inboxAnswer struct {
	Items []struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
		Read  bool   `json:"read"`
		Page  string `json:"page"`
	} `json:"items"`
	Total  int `json:"total"`
	Unread int `json:"unread"`
}

type outboxAnswer struct {
	Items []struct {
		ID         int64             `json:"id"`
		Status     string            `json:"status"`
		Attempts   int               `json:"attempts"`
		DedupKey   string            `json:"dedup_key"`
		TemplateID string            `json:"template_id"`
		Data       map[string]string `json:"data"`
		LastError  *string           `json:"last_error"`
	} `json:"items"`
	Total int `json:"total"`
}

// notifyUser notifies user id about an application, with the progress subscribe message.
func (e *env) notifyUser(userID int64, key, title string) {
	e.t.Helper()
	n := notify.Notification{UserID: userID, Kind: "application_status", Title: title, Body: "详见申请进度。",
		Page: "pages/applications/detail?id=7", RefType: "application", RefID: 7, DedupKey: key,
		Template: e.app.Notify.Progress("一次性创业补贴", "已通过", "", time.Now())}
	if err := notify.Enqueue(e.t.Context(), e.db, n); err != nil {
		e.t.Fatal(err)
	}
}

// runWorker runs an outbox worker until the row with key has status want.
func (e *env) runWorker(key, want string, o notify.WorkerOptions) {
	e.t.Helper()
	o.Poll = 10 * time.Millisecond
	w := notify.NewWorker(e.db, e.app.WeChat, o)
	if err := w.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	defer w.Shutdown(context.Background())
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var status string
		e.db.Get(&status, `SELECT status FROM outbox WHERE dedup_key = ?`, key)
		if status == want {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("outbox %s is %q, want %q", key, status, want)
		}
	}
}

func TestSubscriptions_countsAcceptedTemplates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tmpl := e.cfg.Notify.ProgressTemplateID
	u := e.signIn("o_subs")
	body := map[string][]string{"accepted": {tmpl, "TMPL_SOMEONE_ELSES"}}
	expect(t, e.do("POST", "/api/v1/me/subscriptions", "", body), 401, "SESSION_EXPIRED")
	var a consentsAnswer
	for want := 1; want <= 2; want++ {
		r := e.do("POST", "/api/v1/me/subscriptions", u.Token, body)
		expect(t, r, 200, "")
		r.json(t, &a)
		if a.Consents[tmpl] != want || len(a.Ignored) != 1 || a.Ignored[0] != "TMPL_SOMEONE_ELSES" {
			t.Fatalf("report %d: %s", want, r.Body)
		}
	}
	r := e.do("POST", "/api/v1/me/subscriptions", u.Token, map[string][]string{"accepted": {}})
	expect(t, r, 200, "")
	r.json(t, &a)
	if a.Consents[tmpl] != 2 || len(a.Ignored) != 0 {
		t.Fatalf("reading the counts: %s", r.Body)
	}
	many := map[string][]string{"accepted": strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}
	expect(t, e.do("POST", "/api/v1/me/subscriptions", u.Token, many), 422, "VALIDATION_FAILED")
	expect(t, e.do("POST", "/api/v1/me/subscriptions", u.Token, `{"accepted":`), 400, "BAD_REQUEST")
}

func TestMessages_listUnreadMarkRead_othersAre404(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.signIn("o_inbox_alice"), e.signIn("o_inbox_bob")
	for i := range 3 {
		e.notifyUser(alice.User.ID, fmt.Sprint("inbox:alice:", i), fmt.Sprint("通知", i))
		time.Sleep(2 * time.Millisecond)
	}
	e.notifyUser(bob.User.ID, "inbox:bob:0", "给 bob 的通知")
	expect(t, e.do("GET", "/api/v1/me/messages", "", nil), 401, "SESSION_EXPIRED")

	var in inboxAnswer
	r := e.do("GET", "/api/v1/me/messages?page=1&page_size=2", alice.Token, nil)
	expect(t, r, 200, "")
	r.json(t, &in)
	if in.Total != 3 || in.Unread != 3 || len(in.Items) != 2 || in.Items[0].Title != "通知2" || in.Items[0].Page == "" {
		t.Fatalf("inbox = %s", r.Body)
	}
	id := in.Items[0].ID
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", id), alice.Token, nil), 204, "")
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", id), alice.Token, nil), 204, "")
	r = e.do("GET", "/api/v1/me/messages", alice.Token, nil)
	r.json(t, &in)
	if in.Total != 3 || in.Unread != 2 || !in.Items[0].Read || in.Items[1].Read {
		t.Fatalf("after reading one: %s", r.Body)
	}

	var bobs inboxAnswer
	e.do("GET", "/api/v1/me/messages", bob.Token, nil).json(t, &bobs)
	if bobs.Total != 1 {
		t.Fatalf("bob's inbox: %+v", bobs)
	}
	expect(t, e.do("POST", fmt.Sprintf("/api/v1/me/messages/%d/read", bobs.Items[0].ID), alice.Token, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", "/api/v1/me/messages/999999/read", alice.Token, nil), 404, "NOT_FOUND")
	expect(t, e.do("POST", "/api/v1/me/messages/abc/read", alice.Token, nil), 404, "NOT_FOUND")
	e.do("GET", "/api/v1/me/messages", bob.Token, nil).json(t, &bobs)
	if bobs.Unread != 1 {
		t.Fatalf("alice marked bob's message read: %+v", bobs)
	}
}

func TestOutbox_deadLetterVisibleToDistrict_retrySendsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tmpl := e.cfg.Notify.ProgressTemplateID
	e.wx.RegisterTemplate(tmpl, "thing1", "phrase2", "time3", "thing4")
	const openid = "o_outbox_user"
	u := e.signIn(openid)
	e.wx.GrantConsent(openid, tmpl, 1)
	expect(t, e.do("POST", "/api/v1/me/subscriptions", u.Token, map[string][]string{"accepted": {tmpl}}), 200, "")
	e.notifyUser(u.User.ID, "app:7:status:approved", "您的申请已通过")

	// WeChat is down for longer than the attempts allow: the message is dead.
	e.wx.SetOutage(wxfake.OutageBusy)
	e.runWorker("app:7:status:approved", notify.StatusDead, notify.WorkerOptions{MaxAttempts: 2, BackoffBase: 20 * time.Millisecond})
	e.wx.SetOutage(wxfake.OutageNone)

	admin := e.staffToken("admin", adminPasswd)
	expect(t, e.do("POST", "/admin/api/v1/staff", admin, map[string]string{"username": "outbox_dept", "password": "Department12345",
		"role": "department", "department": "区人社局"}), 201, "")
	dept := e.staffToken("outbox_dept", "Department12345")
	expect(t, e.do("GET", "/admin/api/v1/outbox?status=dead", dept, nil), 403, "FORBIDDEN")
	expect(t, e.do("GET", "/admin/api/v1/outbox?status=lost", admin, nil), 422, "VALIDATION_FAILED")

	var dead outboxAnswer
	r := e.do("GET", "/admin/api/v1/outbox?status=dead", admin, nil)
	expect(t, r, 200, "")
	r.json(t, &dead)
	if dead.Total != 1 || dead.Items[0].DedupKey != "app:7:status:approved" || dead.Items[0].Attempts != 2 ||
		dead.Items[0].TemplateID != tmpl || dead.Items[0].Data["phrase2"] != "已通过" || dead.Items[0].LastError == nil {
		t.Fatalf("dead letters = %s", r.Body)
	}
	if strings.Contains(string(r.Body), openid) {
		t.Fatalf("the outbox view shows the openid: %s", r.Body)
	}
	id := dead.Items[0].ID
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/outbox/%d/retry", id), dept, nil), 403, "FORBIDDEN")
	expect(t, e.do("POST", "/admin/api/v1/outbox/999999/retry", admin, nil), 404, "NOT_FOUND")
	r = e.do("POST", fmt.Sprintf("/admin/api/v1/outbox/%d/retry", id), admin, nil)
	expect(t, r, 200, "")
	if !strings.Contains(string(r.Body), `"status":"pending"`) {
		t.Fatalf("retry answer = %s", r.Body)
	}
	expect(t, e.do("POST", fmt.Sprintf("/admin/api/v1/outbox/%d/retry", id), admin, nil), 409, "OUTBOX_NOT_DEAD")

	before := len(e.wx.Sent())
	e.runWorker("app:7:status:approved", notify.StatusSent, notify.WorkerOptions{})
	n := 0
	for _, m := range e.wx.Sent()[before:] {
		if m.ToUser == openid {
			n++
			if m.TemplateID != tmpl || m.Page != "pages/applications/detail?id=7" || m.Data["thing1"] != "一次性创业补贴" {
				t.Fatalf("sent = %+v", m)
			}
		}
	}
	if n != 1 {
		t.Fatalf("sent %d messages, want 1", n)
	}
	var a consentsAnswer
	e.do("POST", "/api/v1/me/subscriptions", u.Token, map[string][]string{"accepted": {}}).json(t, &a)
	if a.Consents[tmpl] != 0 {
		t.Fatalf("consents after the send = %+v", a)
	}
	recs, err := audit.ListByActorName(t.Context(), e.db, "admin", 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range recs {
		found = found || (rec.Action == "outbox.retry" && rec.TargetID == fmt.Sprint(id))
	}
	if !found {
		t.Fatalf("retry not audited: %+v", recs)
	}
}
